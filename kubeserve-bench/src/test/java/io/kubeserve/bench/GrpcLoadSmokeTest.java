package io.kubeserve.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.kubeserve.grpc.KubeServeGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@link GrpcLoad} against the gRPC adapter on a real port of this JVM, serving iris from
 * {@code examples/models}: short runs at low concurrency that must complete calls, count failures
 * by status, and report percentiles in order. Nothing here asserts a speed.
 */
class GrpcLoadSmokeTest {

    private static final Path EXAMPLES = Path.of("..", "examples", "models");

    private static ModelRegistry registry;
    private static ExecutorService workers;
    private static KubeServeGrpc grpc;

    @TempDir
    Path tempDir;

    @BeforeAll
    static void startServer() {
        registry = new ModelRegistry(FileSystemModelRepository.open(EXAMPLES), ModelRegistry.defaultLoaders());
        // iris only: the example MLP is TorchScript, and this test needs no PyTorch
        registry.load("iris");
        workers = Executors.newFixedThreadPool(2);
        grpc = KubeServeGrpc.builder(registry).executor(workers).build().start(0);
    }

    @AfterAll
    static void stopServer() {
        if (grpc != null) {
            grpc.close();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void irisTypedCompletesCallsWithoutErrorsAndOrderedPercentiles() throws Exception {
        LoadReport report = GrpcLoad.run(settings("iris", LoadInput.preset("iris", null, null, 42), 2, 4, 2),
                quiet());

        assertThat(report.completed()).isPositive();
        assertThat(report.errors()).isEmpty();
        assertSane(report);
        String row = report.markdownRow();
        assertThat(row).startsWith("| grpc iris | 2 | 4 | ").endsWith(" | 0 |");
        assertThat(row.split("\\|", -1)).hasSize(LoadReport.markdownHeader().lines().findFirst().orElseThrow()
                .split("\\|", -1).length);
    }

    @Test
    void rawContentsOfManyRowsAreAnsweredToo() throws Exception {
        // the wide preset's raw path, shaped for iris: 64 rows of 4 features
        LoadInput raw = LoadInput.preset("wide", "float_input", "64x4", 7);
        LoadReport report = GrpcLoad.run(settings("iris", raw, 1, 2, 2), quiet());

        assertThat(report.completed()).isPositive();
        assertThat(report.errors()).isEmpty();
        assertSane(report);
    }

    @Test
    void callsTheModelRefusesAreCountedByStatus() throws Exception {
        // 256 features for a model of 4: every call is refused as a bad argument
        LoadReport report = GrpcLoad.run(settings("iris", LoadInput.preset("wide", "float_input", null, 1), 1, 2, 1),
                quiet());

        assertThat(report.completed()).isZero();
        assertThat(report.errors()).containsOnlyKeys("INVALID_ARGUMENT");
        assertThat(report.errorCount()).isPositive();
        assertThat(report.markdownRow()).endsWith(" | " + report.errorCount() + " (INVALID_ARGUMENT "
                + report.errorCount() + ") |");
    }

    @Test
    void anUnknownModelStopsTheRunBeforeAnyLoad() {
        assertThatThrownBy(() -> GrpcLoad.run(settings("no_such_model", LoadInput.preset("iris", null, null, 1), 1, 1, 1),
                quiet()))
                .isInstanceOf(GrpcLoad.NotReadyException.class)
                .hasMessageContaining("no_such_model");
    }

    @Test
    void onlyLoopbackIsEverTargeted() {
        for (String host : new String[] {"localhost", "10.0.0.1", "example.org", "0.0.0.0"}) {
            assertThatThrownBy(() -> new GrpcLoad.Settings(host, grpc.port(), 1, 1, Duration.ZERO, Duration.ofSeconds(1),
                    Duration.ofSeconds(1), "iris", LoadInput.preset("iris", null, null, 1), "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only targets 127.0.0.1");
        }
        int status = new CommandLine(new GrpcLoad()).execute("--host", "10.0.0.1", "--port", String.valueOf(grpc.port()));
        assertThat(status).isEqualTo(2);
    }

    @Test
    void theRestBinaryBodyCarriesTheBytesOfTheGrpcRawContents() throws IOException {
        LoadInput wide = LoadInput.preset("wide", null, null, 42);
        Path body = tempDir.resolve("wide.bin");

        int status = new CommandLine(new GrpcLoad()).execute("--input", "wide", "--write-rest-body", body.toString());

        assertThat(status).isZero();
        byte[] bytes = Files.readAllBytes(body);
        int headerLength = wide.restJsonHeaderLength();
        JsonNode header = new ObjectMapper().readTree(Arrays.copyOf(bytes, headerLength));
        JsonNode input = header.path("inputs").get(0);
        assertThat(input.path("name").asText()).isEqualTo("input");
        assertThat(input.path("shape").toString()).isEqualTo("[64,256]");
        assertThat(input.path("parameters").path("binary_data_size").asInt()).isEqualTo(64 * 256 * 4);
        ModelInferRequest request = wide.grpcRequest("wide_mlp");
        assertThat(request.getInputs(0).getShapeList()).containsExactly(64L, 256L);
        assertThat(Arrays.copyOfRange(bytes, headerLength, bytes.length))
                .isEqualTo(request.getRawInputContents(0).toByteArray());
    }

    @Test
    void theRestJsonBodyCarriesTheValuesOfTheGrpcTypedContents() throws IOException {
        LoadInput typed = LoadInput.preset("wide-typed", null, "2x8", 3);
        JsonNode json = new ObjectMapper().readTree(typed.restBody());
        ModelInferRequest request = typed.grpcRequest("wide_mlp");

        assertThat(typed.restJsonHeaderLength()).isEqualTo(-1);
        assertThat(request.getRawInputContentsCount()).isZero();
        JsonNode data = json.path("inputs").get(0).path("data");
        assertThat(data.size()).isEqualTo(16);
        for (int i = 0; i < 16; i++) {
            assertThat((float) data.get(i).asDouble()).isEqualTo(request.getInputs(0).getContents().getFp32Contents(i));
        }
        // and the same values as the raw preset of that seed, little-endian
        ByteBuffer raw = LoadInput.preset("wide", null, "2x8", 3).grpcRequest("m").getRawInputContents(0)
                .asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            assertThat(raw.getFloat()).isEqualTo(request.getInputs(0).getContents().getFp32Contents(i));
        }
    }

    @Test
    void badShapesAndKindsAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> LoadInput.preset("tall", null, null, 1)).hasMessageContaining("iris, wide or wide-typed");
        assertThatThrownBy(() -> LoadInput.preset("wide", null, "64x0", 1)).hasMessageContaining("64x256");
        assertThatThrownBy(() -> LoadInput.preset("wide", null, "64xa", 1)).hasMessageContaining("positive integers");
    }

    private static GrpcLoad.Settings settings(String model, LoadInput input, int connections, int concurrency,
                                              int seconds) {
        return new GrpcLoad.Settings(GrpcLoad.HOST, grpc.port(), connections, concurrency, Duration.ofMillis(300),
                Duration.ofSeconds(seconds), Duration.ofSeconds(10), model, input, "grpc " + model);
    }

    private static void assertSane(LoadReport report) {
        assertThat(report.seconds()).isPositive();
        assertThat(report.requestsPerSecond()).isCloseTo(report.completed() / report.seconds(),
                offset(1e-6));
        assertThat(report.p50Ms()).isPositive();
        assertThat(report.p50Ms()).isLessThanOrEqualTo(report.p90Ms());
        assertThat(report.p90Ms()).isLessThanOrEqualTo(report.p99Ms());
        assertThat(report.p99Ms()).isLessThanOrEqualTo(report.maxMs());
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
