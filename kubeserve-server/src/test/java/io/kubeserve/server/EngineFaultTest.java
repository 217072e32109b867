package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults inside the server: an engine that throws, a predictor that hangs past its deadline, and a
 * request declaring a tensor far larger than memory. Each gets a clean JSON error, and the other
 * models, and then the same one, keep serving.
 */
class EngineFaultTest {

    private static final String X_ONE = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], \"data\": [1]}]}";
    private static final String X_ZERO = X_ONE.replace("[1]}", "[0]}");
    private static final String IRIS = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
            + " \"data\": [5.1, 3.5, 1.4, 0.2]}]}";

    @TempDir
    Path repo;

    private void model(String name, String file, String content, String config) throws Exception {
        Files.createDirectories(repo.resolve(name + "/1"));
        Files.writeString(repo.resolve(name + "/1/" + file), content);
        if (config != null) {
            Files.writeString(repo.resolve(name + "/config.json"), config);
        }
    }

    private void iris() throws Exception {
        Path source = RunningServer.EXAMPLES.resolve("iris");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path target = repo.resolve("iris").resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    private static void assertServesIris(RunningServer server) {
        HttpResponse<String> response = server.post("/v2/models/iris/infer", IRIS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"setosa\"");
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void aThrowingEngineIsAClean500AndEveryModelKeepsServing() throws Exception {
        iris();
        // the engine call runs on the request thread without a deadline, and on a batcher thread with one
        model("direct", "model.throws", "", null);
        model("queued", "model.throws", "", "{\"request_timeout_ms\": 5000}");
        model("batched", "model.throws", "", "{\"max_batch_size\": 4}");
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            for (String name : List.of("direct", "queued", "batched")) {
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> response = server.post("/v2/models/" + name + "/infer", X_ONE);
                    assertThat(response.statusCode()).as(name + ": " + response.body()).isEqualTo(500);
                    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
                    JsonNode error = RunningServer.parse(response.body());
                    assertThat(error.fieldNames()).toIterable().containsExactly("error");
                    assertThat(error.get("error").asText()).as(name)
                            .doesNotContain(ThrowingModelLoader.SECRET, "Exception", "\tat ", "java.");
                }
                // the same model still answers what its engine can answer
                HttpResponse<String> fine = server.post("/v2/models/" + name + "/infer", X_ZERO);
                assertThat(fine.statusCode()).as(name + ": " + fine.body()).isEqualTo(200);
                assertServesIris(server);
            }
            assertThat(server.get("/metrics").body())
                    .containsPattern("inference_requests_total\\{model=\"queued\",protocol=\"v2\",status=\"internal\"} 20");
        }
    }

    @Test
    void aPredictorPastItsDeadlineIsA504SoonerThanItsWorkAndTheServerStaysHealthy() throws Exception {
        iris();
        // a latch engine: a call with x = 1 is held until the gate opens, so "sooner than its work"
        // is a state (answered while the engine still holds the call), not a clock reading
        String stuck = "enginefault_stuck";
        model(stuck, "model.latch", "", "{\"request_timeout_ms\": 200, \"instance_group\": [{\"count\": 1}]}");
        LatchModelLoader.Gate gate = LatchModelLoader.gate(stuck);
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            try {
                HttpResponse<String> response = server.post("/v2/models/" + stuck + "/infer", X_ONE);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
                assertThat(RunningServer.parse(response.body()).get("error").asText())
                        .contains("did not answer within 200 ms");
                // the client was answered while the engine had not finished the call
                assertThat(gate.returned()).isZero();
                // while the engine is still busy with that call, everything else answers
                assertServesIris(server);
                assertThat(server.get("/v2/models/" + stuck + "/ready").statusCode()).isEqualTo(200);
                assertThat(gate.returned()).isZero();
            } finally {
                gate.open();
            }
        } finally {
            LatchModelLoader.forget(stuck);
        }
    }

    @Test
    void aHugeDeclaredTensorIsRefusedBeforeAnythingIsAllocated() throws Exception {
        iris();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            assertServesIris(server);
            // 10,000 x 10,000 FP32 would be 400 MB: a heap this size could allocate it, so a jump would show
            long declaredBytes = 10_000L * 10_000L * 4;
            String json = IRIS.replace("[1, 4]", "[10000, 10000]");
            String header = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [10000, 10000],"
                    + " \"parameters\": {\"binary_data_size\": " + declaredBytes + "}}]}";
            byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
            byte[] binary = java.util.Arrays.copyOf(headerBytes, headerBytes.length + 16);
            String giant = IRIS.replace("[1, 4]", "[100000, 100000]");

            List<HttpRequest> requests = List.of(
                    HttpRequest.newBuilder(server.uri("/v2/models/iris/infer")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpRequest.newBuilder(server.uri("/v2/models/iris/infer")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(giant)).build(),
                    HttpRequest.newBuilder(server.uri("/v2/models/iris/infer")).header("Content-Type", "application/octet-stream")
                            .header("Inference-Header-Content-Length", Integer.toString(headerBytes.length))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(binary)).build());
            for (HttpRequest request : requests) {
                System.gc();
                long before = heapPeakAfterReset();
                HttpResponse<String> response = server.send(request);
                long peakGrowth = heapPeak() - before;
                assertThat(response.statusCode()).as(response.body()).isIn(400, 413);
                assertThat(RunningServer.parse(response.body()).get("error").asText()).containsAnyOf("shape", "binary_data_size");
                assertThat(peakGrowth).as("heap peak growth while refusing a %d-byte tensor", declaredBytes)
                        .isLessThan(declaredBytes / 4);
                System.out.printf("EngineFaultTest: %s body declaring %s: %d, heap peak growth %d KB%n",
                        request.headers().firstValue("Content-Type").orElse(""),
                        request == requests.get(1) ? "[100000, 100000] FP32" : "[10000, 10000] FP32",
                        response.statusCode(), Math.max(0, peakGrowth) >> 10);
            }
            assertServesIris(server);
        }
    }

    /** Resets every heap pool's peak and returns the heap in use now. */
    private static long heapPeakAfterReset() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }

    private static long heapPeak() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
    }
}
