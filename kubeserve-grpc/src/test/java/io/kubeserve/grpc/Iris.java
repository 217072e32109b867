package io.kubeserve.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.kubeserve.core.metrics.ModelMetrics;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bundled iris model in a repository of its own, scikit-learn's answers for it, and request
 * builders. The reference file is the one the server's tests use for the same model.
 */
final class Iris {

    static final Path MODEL_DIR = Path.of("..", "examples", "models", "iris");
    static final Path EXPECTED = Path.of("..", "kubeserve-server", "src", "test", "resources", "expected",
            "iris_logreg.expected.json");
    static final String API_TOKEN = "api-secret";
    static final String ADMIN_TOKEN = "admin-secret";

    final ModelRegistry registry;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final JsonNode expected;
    final float[][] rows;
    final List<String> labels;

    Iris(Path tempDir) {
        try {
            Path repository = tempDir.resolve("models");
            copy(MODEL_DIR, repository.resolve("iris"));
            expected = new ObjectMapper().readTree(EXPECTED.toFile());
            labels = Files.readAllLines(MODEL_DIR.resolve("labels.txt")).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode sample = expected.path("sample_inputs").path("float_input");
        rows = new float[sample.size()][4];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < 4; c++) {
                rows[r][c] = (float) sample.get(r).get(c).asDouble();
            }
        }
        registry = new ModelRegistry(FileSystemModelRepository.open(tempDir.resolve("models")),
                ModelRegistry.defaultLoaders());
        new ModelMetrics(registry).bindTo(meters);
        registry.loadAll(1);
    }

    /** The absolute tolerance of the probabilities, read from the reference file. */
    double probabilityTolerance() {
        return expected.path("tolerance").path("probabilities").path("abs").asDouble();
    }

    int expectedLabel(int row) {
        return expected.path("expected").path("label").get(row).asInt();
    }

    double expectedProbability(int row, int column) {
        return expected.path("expected").path("probabilities").get(row).get(column).asDouble();
    }

    /** The sample rows as a typed FP32 input. */
    ModelInferRequest.Builder typedRequest() {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float[] row : rows) {
            for (float value : row) {
                contents.addFp32Contents(value);
            }
        }
        return ModelInferRequest.newBuilder().setModelName("iris").addInputs(input().setContents(contents));
    }

    /** The sample rows as one raw little-endian FP32 input. */
    ModelInferRequest.Builder rawRequest() {
        ByteBuffer raw = ByteBuffer.allocate(rows.length * 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float value : row) {
                raw.putFloat(value);
            }
        }
        return ModelInferRequest.newBuilder().setModelName("iris").addInputs(input())
                .addRawInputContents(ByteString.copyFrom(raw.flip()));
    }

    ModelInferRequest.InferInputTensor.Builder input() {
        return ModelInferRequest.InferInputTensor.newBuilder().setName("float_input").setDatatype("FP32")
                .addShape(rows.length).addShape(4);
    }

    void close() {
        registry.close();
    }

    /** Sends {@code authorization: Bearer <token>} with every call. */
    static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(CallGuard.AUTHORIZATION, "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    static Status.Code codeOf(Throwable e) {
        return Status.fromThrowable(e).getCode();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
