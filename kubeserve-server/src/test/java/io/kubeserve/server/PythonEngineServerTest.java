package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubeserve.core.registry.ModelStatus;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python engine end to end: scikit-learn models trained at test time by Debian's
 * {@code /usr/bin/python3} (which has scikit-learn; the {@code python3} first on a developer's PATH
 * may not), served over V2, V1 and {@code /predict}, answers compared with scikit-learn's own
 * {@code predict}/{@code predict_proba} for the same rows, computed by the training script.
 * Skipped when that interpreter lacks scikit-learn or joblib.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonEngineServerTest {

    static final String PYTHON = System.getProperty("kubeserve.test.python", "/usr/bin/python3");
    /** Probabilities travel as FP32, like the ZipMap ONNX path's. */
    static final double FP32_TOLERANCE = 1e-6;

    RunningServer running;
    JsonNode expected;

    @BeforeAll
    void trainAndStart(@TempDir Path dir) throws Exception {
        assumeThat(Files.isExecutable(Path.of(PYTHON))).as(PYTHON + " exists").isTrue();
        Process probe = new ProcessBuilder(PYTHON, "-c", "import sklearn, joblib, numpy").redirectErrorStream(true).start();
        assumeThat(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0)
                .as(PYTHON + " has scikit-learn and joblib").isTrue();
        Path script = dir.resolve("sklearn_models.py");
        try (InputStream in = getClass().getResourceAsStream("/python/sklearn_models.py")) {
            Files.copy(in, script);
        }
        Path repo = Files.createDirectories(dir.resolve("repo"));
        TestTools.run(dir, List.of(PYTHON, script.toString(), repo.toString(), dir.resolve("expected.json").toString()));
        expected = RunningServer.JSON.readTree(dir.resolve("expected.json").toFile());
        running = new RunningServer(ServerConfig.defaults(repo));
    }

    @AfterAll
    void stop() {
        if (running != null) {
            running.close();
            await().atMost(Duration.ofSeconds(15)).until(() -> workerPids("").isEmpty());
        }
    }

    @Test
    void v2AnswersAreScikitLearns() {
        for (String model : List.of("iris_lr", "iris_rf", "pipe", "multi", "iris_str")) {
            JsonNode rows = expected.path(model).path("inputs");
            ObjectNode body = RunningServer.JSON.createObjectNode();
            ObjectNode input = body.putArray("inputs").addObject();
            input.put("name", "input").put("datatype", "FP64");
            input.putArray("shape").add(rows.size()).add(rows.get(0).size());
            ArrayNode data = input.putArray("data");
            rows.forEach(row -> row.forEach(data::add));
            HttpResponse<String> response = running.post("/v2/models/" + model + "/infer", body.toString());
            assertThat(response.statusCode()).as(model + ": " + response.body()).isEqualTo(200);
            JsonNode outputs = RunningServer.parse(response.body()).path("outputs");
            if (model.equals("multi")) {
                JsonNode predict = output(outputs, "predict");
                assertThat(predict.path("datatype").asText()).isEqualTo("FP64");
                assertThat(predict.path("shape").toString()).isEqualTo("[" + rows.size() + ",3]");
                assertFlatEquals(predict.path("data"), expected.path(model).path("predict"), 1e-9);
                continue;
            }
            JsonNode label = output(outputs, "label");
            assertThat(label.path("datatype").asText()).isEqualTo(model.equals("iris_str") ? "BYTES" : "INT64");
            assertThat(label.path("data")).as(model + " labels").isEqualTo(expected.path(model).path("label"));
            JsonNode probabilities = output(outputs, "probabilities");
            assertThat(probabilities.path("shape").toString()).isEqualTo("[" + rows.size() + ",3]");
            assertFlatEquals(probabilities.path("data"), expected.path(model).path("probabilities"), FP32_TOLERANCE);
        }
    }

    @Test
    void v1AndSeedAnswersAreScikitLearns() {
        for (String model : List.of("iris_rf", "pipe", "iris_str", "multi")) {
            JsonNode rows = expected.path(model).path("inputs");
            HttpResponse<String> v1 = running.post("/v1/models/" + model + ":predict", "{\"instances\": " + rows + "}");
            assertThat(v1.statusCode()).as(v1.body()).isEqualTo(200);
            JsonNode answer = RunningServer.parse(v1.body());
            HttpResponse<String> seed = running.post("/predict?model=" + model, "{\"data\": " + rows + "}");
            assertThat(seed.statusCode()).as(seed.body()).isEqualTo(200);
            JsonNode seedAnswer = RunningServer.parse(seed.body());
            if (model.equals("multi")) {
                assertFlatEquals(answer.path("predictions"), expected.path(model).path("predict"), 1e-9);
                assertFlatEquals(seedAnswer.path("predictions"), expected.path(model).path("predict"), 1e-9);
                continue;
            }
            assertThat(answer.path("predictions")).as(model).isEqualTo(expected.path(model).path("label"));
            assertFlatEquals(answer.path("probabilities"), expected.path(model).path("probabilities"), FP32_TOLERANCE);
            assertThat(seedAnswer.path("predictions")).as(model).isEqualTo(expected.path(model).path("label"));
        }
    }

    @Test
    void metadataComesFromTheModel() {
        JsonNode metadata = RunningServer.parse(running.get("/v2/models/iris_lr").body());
        assertThat(metadata.path("platform").asText()).isEqualTo("python_sklearn");
        assertThat(metadata.path("inputs").toString())
                .isEqualTo("[{\"name\":\"input\",\"datatype\":\"FP64\",\"shape\":[-1,4]}]");
        assertThat(metadata.path("outputs").get(0).toString())
                .isEqualTo("{\"name\":\"label\",\"datatype\":\"INT64\",\"shape\":[-1]}");
        assertThat(metadata.path("outputs").get(1).toString())
                .isEqualTo("{\"name\":\"probabilities\",\"datatype\":\"FP32\",\"shape\":[-1,3]}");
    }

    @Test
    void aMissingRequirementFailsThatModelAlone() {
        ModelStatus status = running.server.registry().statuses().stream()
                .filter(candidate -> candidate.name().equals("needs_req")).findFirst().orElseThrow();
        assertThat(status.ready()).isFalse();
        assertThat(status.reason()).contains("kubeserve-no-such-package==1.0 (not installed)")
                .contains("scikit-learn==0.0.1 (installed: ").doesNotContain("numpy");
        assertThat(running.get("/v2/models/needs_req/ready").statusCode()).isNotEqualTo(200);
        for (String model : List.of("iris_lr", "iris_rf", "pipe", "multi", "iris_str")) {
            assertThat(running.get("/v2/models/" + model + "/ready").statusCode()).as(model).isEqualTo(200);
        }
    }

    @Test
    void concurrentAndBatchedCallsGiveTheSingleCallAnswers() throws Exception {
        JsonNode rows = expected.path("iris_rf").path("inputs");
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int client = 0; client < 8; client++) {
                int offset = client;
                calls.add(clients.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        int row = (offset * 7 + i) % rows.size();
                        HttpResponse<String> response = running.post("/v1/models/iris_rf:predict",
                                "{\"instances\": [" + rows.get(row) + "]}");
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                        JsonNode answer = RunningServer.parse(response.body());
                        assertThat(answer.path("predictions").get(0))
                                .isEqualTo(expected.path("iris_rf").path("label").get(row));
                        assertFlatEquals(answer.path("probabilities").get(0),
                                expected.path("iris_rf").path("probabilities").get(row), FP32_TOLERANCE);
                    }
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get(120, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aKilledWorkerFailsItsRequestAndIsReplaced() throws Exception {
        List<Long> before = workerPids("/pipe/1/model.joblib");
        assertThat(before).hasSize(1);
        JsonNode slowRow = stallingRow();
        CompletableFuture<HttpResponse<String>> stalled = running.client.sendAsync(
                HttpRequest.newBuilder(running.uri("/v1/models/pipe:predict")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + slowRow + "]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(20)).until(() -> inFlight("pipe") == 1);
        ProcessHandle.of(before.get(0)).orElseThrow().destroyForcibly();

        HttpResponse<String> failed = stalled.get(30, TimeUnit.SECONDS);
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(RunningServer.parse(failed.body()).path("error").asText())
                .contains("Python worker of model 'pipe' stopped").doesNotContain("/");

        servesThePipeAgainWithANewWorker("pipe", before);
        assertThat(running.get("/v2/models/pipe/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void aWorkerThatHangsIsStoppedAfterTheCallTimeoutAndReplaced() throws Exception {
        List<Long> before = workerPids("/pipe_hang/1/model.joblib");
        assertThat(before).hasSize(1);
        JsonNode stallingRow = stallingRow();

        // the worker sleeps 120 s on this row; the model's python_call_timeout_seconds is 2
        HttpResponse<String> timedOut = running.post("/v1/models/pipe_hang:predict", "{\"instances\": [" + stallingRow + "]}");
        assertThat(timedOut.statusCode()).as(timedOut.body()).isEqualTo(504);
        assertThat(RunningServer.parse(timedOut.body()).path("error").asText())
                .isEqualTo("model 'pipe_hang' did not answer within 2.0 s in its Python worker, which was stopped"
                        + " and is being restarted");
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(before.get(0)).isEmpty());

        servesThePipeAgainWithANewWorker("pipe_hang", before);
    }

    /** A row of the pipe model's inputs starting with 12345, on which its custom transformer sleeps 120 s. */
    private JsonNode stallingRow() {
        JsonNode row = expected.path("pipe").path("inputs").get(0).deepCopy();
        ((ArrayNode) row).set(0, RunningServer.JSON.getNodeFactory().numberNode(12345.0));
        return row;
    }

    /** {@code model} (the pipe model, maybe under another name) answers scikit-learn's labels again, from a new worker. */
    private void servesThePipeAgainWithANewWorker(String model, List<Long> before) {
        JsonNode rows = expected.path("pipe").path("inputs");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> next = running.post("/v1/models/" + model + ":predict", "{\"instances\": " + rows + "}");
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            assertThat(RunningServer.parse(next.body()).path("predictions")).isEqualTo(expected.path("pipe").path("label"));
        });
        assertThat(workerPids("/" + model + "/1/model.joblib")).hasSize(1).doesNotContainAnyElementsOf(before);
    }

    private int inFlight(String model) {
        return running.server.registry().model(model).scheduler().map(scheduler -> scheduler.inFlight()).orElse(0);
    }

    /** Worker processes of this JVM whose command line ends with {@code suffix}. */
    static List<Long> workerPids(String suffix) {
        return ProcessHandle.current().descendants()
                .filter(process -> process.info().arguments().map(arguments -> arguments.length >= 2
                        && arguments[arguments.length - 2].endsWith("worker.py")
                        && arguments[arguments.length - 1].endsWith(suffix)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    private static JsonNode output(JsonNode outputs, String name) {
        for (JsonNode output : outputs) {
            if (output.path("name").asText().equals(name)) {
                return output;
            }
        }
        throw new AssertionError("no output " + name + " in " + outputs);
    }

    /** Compares every number of {@code actual} (flat or nested) with {@code expected}'s, in order. */
    private static void assertFlatEquals(JsonNode actual, JsonNode expectedValues, double tolerance) {
        List<Double> got = new ArrayList<>();
        List<Double> want = new ArrayList<>();
        flatten(actual, got);
        flatten(expectedValues, want);
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i)).as("value " + i).isCloseTo(want.get(i), within(tolerance));
        }
    }

    private static void flatten(JsonNode node, List<Double> into) {
        if (node.isArray()) {
            node.forEach(child -> flatten(child, into));
        } else {
            into.add(node.asDouble());
        }
    }
}
