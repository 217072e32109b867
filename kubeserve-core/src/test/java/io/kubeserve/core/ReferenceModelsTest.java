package io.kubeserve.core;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four reference models give what their training frameworks computed, for single rows and for
 * the 20-row batch, within the tolerance stated in their {@code expected.json}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceModelsTest {

    @TempDir
    static Path repo;

    private KubeServe kubeServe;

    @BeforeAll
    void load() {
        TestModels.install(repo, "iris_logreg.onnx", "iris_logreg", "1");
        TestModels.install(repo, "iris_rf.onnx", "iris_rf", "1");
        TestModels.install(repo, "mlp_torch.onnx", "mlp_onnx", "1");
        Path torch = TestModels.install(repo, "mlp_torchscript.pt", "mlp_torchscript", "1");
        TestModels.write(torch.resolve("config.json"),
                "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [-1, 4]}]}");
        kubeServe = KubeServe.builder().repository(repo).build();
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    @Test
    void everyModelIsReady() {
        assertThat(kubeServe.statuses()).extracting(ModelStatus::name)
                .containsExactly("iris_logreg", "iris_rf", "mlp_onnx", "mlp_torchscript");
        assertThat(kubeServe.statuses()).allSatisfy(status -> {
            assertThat(status.ready()).as(status.name() + ": " + status.reason()).isTrue();
            assertThat(status.loadMillis()).isNotNegative();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"iris_logreg", "iris_rf"})
    void scikitLearnClassifiersMatchScikitLearn(String model) {
        JsonNode expected = TestModels.expected(model);
        Predictor predictor = kubeServe.predictor(model);
        int rows = TestModels.sampleCount(expected, "float_input");

        InferenceResponse batch = predictor.predict(
                InferenceRequest.of("float_input", TestModels.sampleRows(expected, "float_input", 0, rows)));
        assertClassifierRows(batch, expected, 0, rows);

        for (int row = 0; row < rows; row++) {
            InferenceResponse single = predictor.predict(
                    InferenceRequest.of("float_input", TestModels.sampleRows(expected, "float_input", row, row + 1)));
            assertClassifierRows(single, expected, row, row + 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp_onnx", "mlp_torchscript"})
    void torchMlpMatchesPyTorch(String model) {
        JsonNode expected = TestModels.expected("mlp_torch");
        Predictor predictor = kubeServe.predictor(model);
        int rows = TestModels.sampleCount(expected, "input");

        InferenceResponse batch = predictor.predict(
                InferenceRequest.of("input", TestModels.sampleRows(expected, "input", 0, rows)));
        assertMlpRows(batch, expected, 0, rows);
        for (int row = 0; row < rows; row++) {
            InferenceResponse single = predictor.predict(
                    InferenceRequest.of("input", TestModels.sampleRows(expected, "input", row, row + 1)));
            assertMlpRows(single, expected, row, row + 1);
        }
    }

    @Test
    void eightThreadsOnOnePredictorAllMatch() throws Exception {
        JsonNode expected = TestModels.expected("iris_rf");
        Predictor predictor = kubeServe.predictor("iris_rf");
        int rows = TestModels.sampleCount(expected, "float_input");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        int from = (offset + i) % rows;
                        int to = Math.min(rows, from + 1 + i % 5);
                        InferenceResponse response = predictor.predict(InferenceRequest.of("float_input",
                                TestModels.sampleRows(expected, "float_input", from, to)));
                        assertClassifierRows(response, expected, from, to);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void requestedOutputsAreTheOnlyOnesReturned() {
        JsonNode expected = TestModels.expected("iris_logreg");
        InferenceResponse response = kubeServe.predictor("iris_logreg").predict(new InferenceRequest("r-7",
                java.util.Map.of("float_input", TestModels.sampleRows(expected, "float_input", 0, 2)),
                List.of("output_label")));
        assertThat(response.outputs()).containsOnlyKeys("output_label");
        assertThat(response.id()).isEqualTo("r-7");
        assertThat(response.modelVersion()).isEqualTo("1");
    }

    static void assertClassifierRows(InferenceResponse response, JsonNode expected, int from, int to) {
        Tensor labels = response.output("output_label");
        Tensor probabilities = response.output("output_probability");
        assertThat(labels.type()).isEqualTo(DataType.INT64);
        assertThat(labels.shape()).containsExactly(to - from);
        assertThat(probabilities.type()).isEqualTo(DataType.FP32);
        assertThat(probabilities.shape()).containsExactly(to - from, 3);
        double tolerance = Tolerances.absolute(expected, "probabilities");
        for (int row = from; row < to; row++) {
            assertThat(labels.getLong(row - from)).isEqualTo(expected.get("expected").get("label").get(row).asLong());
            for (int c = 0; c < 3; c++) {
                double want = expected.get("expected").get("probabilities").get(row).get(c).asDouble();
                assertThat((double) probabilities.getFloat((row - from) * 3 + c)).isCloseTo(want, within(tolerance));
            }
        }
    }

    static void assertMlpRows(InferenceResponse response, JsonNode expected, int from, int to) {
        Tensor output = response.output("output");
        assertThat(output.type()).isEqualTo(DataType.FP32);
        assertThat(output.shape()).containsExactly(to - from, 3);
        double tolerance = Tolerances.absolute(expected, "output");
        for (int row = from; row < to; row++) {
            for (int c = 0; c < 3; c++) {
                double want = expected.get("expected").get("output").get(row).get(c).asDouble();
                assertThat((double) output.getFloat((row - from) * 3 + c)).isCloseTo(want, within(tolerance));
            }
        }
    }
}
