package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party client: Google's Python gRPC (Debian's {@code python3-grpcio} and
 * {@code python3-grpc-tools}) with stubs generated from our {@code .proto} at test time, over a
 * real port: ServerLive, ModelMetadata, ModelInfer typed and raw, an unknown model, and health.
 * Skipped, saying why, when {@code /usr/bin/python3} or its gRPC packages are missing.
 */
class PythonClientTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path PROTO_DIR = Path.of("src", "main", "proto");
    private static final Path CLIENT_DIR = Path.of("src", "test", "resources", "python");

    @TempDir
    Path tempDir;

    @Test
    void googlesPythonClientGetsScikitLearnsAnswers() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + ": install python3-grpcio and "
                + "python3-grpc-tools to run the Python client test");
        Assumptions.assumeTrue(run(List.of(PYTHON.toString(), "-c", "import grpc, grpc_tools.protoc")).exit == 0,
                "Python's grpc packages are missing: apt-get install -y python3-grpcio python3-grpc-tools");

        Path stubs = Files.createDirectories(tempDir.resolve("stubs"));
        Result generated = run(List.of(PYTHON.toString(), "-m", "grpc_tools.protoc",
                "-I", PROTO_DIR.toString(), "-I", CLIENT_DIR.toString(),
                "--python_out=" + stubs, "--grpc_python_out=" + stubs, "open_inference.proto", "health.proto"));
        assertThat(generated.exit).as("protoc: %s", generated.output).isZero();

        Iris iris = new Iris(tempDir);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        KubeServeGrpc grpc = KubeServeGrpc.builder(iris.registry).executor(executor).build().start(0);
        try {
            StringBuilder rows = new StringBuilder("[");
            for (float[] row : iris.rows) {
                rows.append(rows.length() > 1 ? "," : "").append('[');
                for (int c = 0; c < row.length; c++) {
                    rows.append(c > 0 ? "," : "").append(Float.toString(row[c]));
                }
                rows.append(']');
            }
            rows.append(']');
            Result client = run(List.of(PYTHON.toString(), CLIENT_DIR.resolve("client.py").toString(),
                    stubs.toString(), Integer.toString(grpc.port()), rows.toString()));
            assertThat(client.exit).as("client.py: %s", client.output).isZero();
            String json = client.output.lines().filter(line -> line.startsWith("{")).reduce((a, b) -> b).orElseThrow();
            JsonNode answer = new ObjectMapper().readTree(json);

            assertThat(answer.path("live").asBoolean()).isTrue();
            assertThat(answer.path("metadata").path("name").asText()).isEqualTo("iris");
            assertThat(answer.path("metadata").path("versions").toString()).isEqualTo("[\"1\"]");
            assertThat(answer.path("metadata").path("inputs").toString()).isEqualTo("[[\"float_input\",\"FP32\",[-1,4]]]");
            assertThat(answer.path("typed").path("raw_entries").asInt()).isZero();
            assertThat(answer.path("raw").path("raw_entries").asInt()).isPositive();
            assertThat(answer.path("typed").path("id").asText()).isEqualTo("py");
            checkAgainstReference(iris, answer.path("typed").path("outputs"));
            checkAgainstReference(iris, answer.path("raw").path("outputs"));
            assertThat(answer.path("raw").path("outputs")).isEqualTo(answer.path("typed").path("outputs"));
            assertThat(answer.path("unknown_model").asText()).isEqualTo("NOT_FOUND: model 'nope' is not known");
            assertThat(answer.path("health").asText()).isEqualTo("SERVING");
        } finally {
            grpc.close();
            executor.shutdownNow();
            iris.close();
        }
    }

    private static void checkAgainstReference(Iris iris, JsonNode outputs) {
        JsonNode labels = null;
        JsonNode probabilities = null;
        JsonNode classNames = null;
        for (JsonNode output : outputs) {
            switch (output.get(0).asText()) {
                case "output_label" -> labels = output.get(3);
                case "output_probability" -> probabilities = output.get(3);
                case "class_name" -> classNames = output.get(3);
                default -> { }
            }
        }
        assertThat(labels).isNotNull();
        assertThat(probabilities).isNotNull();
        assertThat(classNames).isNotNull();
        for (int row = 0; row < iris.rows.length; row++) {
            assertThat(labels.get(row).asInt()).isEqualTo(iris.expectedLabel(row));
            assertThat(classNames.get(row).asText()).isEqualTo(iris.labels.get(iris.expectedLabel(row)));
            for (int c = 0; c < 3; c++) {
                assertThat(probabilities.get(row * 3 + c).asDouble())
                        .isCloseTo(iris.expectedProbability(row, c), within(iris.probabilityTolerance()));
            }
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
