package io.kubeserve.core;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, kind 2 (field case02): a request of zero rows gets empty outputs of the model's
 * declared shapes on every engine (ONNX with and without ZipMap, TorchScript with a tensor, tuple
 * or dict output), with dynamic batching alone and mixed into a batch of other requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeroRowsTest {

    private static final String TORCH_OUTPUTS = "\"outputs\": [{\"name\": \"probs\", \"datatype\": \"FP32\", "
            + "\"shape\": [-1, 3]}, {\"name\": \"label\", \"datatype\": \"INT64\", \"shape\": [-1]}]";
    private static final String TORCH_INPUT = "\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [-1, 4]}]";

    @TempDir
    static Path repo;

    private KubeServe kubeServe;

    @BeforeAll
    void load() {
        TestModels.install(repo, "iris_logreg.onnx", "iris_logreg", "1");
        TestModels.install(repo, "iris_rf.onnx", "iris_rf", "1");
        TestModels.install(repo, "shapes/zipmap_strings.onnx", "zipmap_strings", "1");
        TestModels.install(repo, "mlp_torch.onnx", "mlp_onnx", "1");
        TestModels.install(repo, "mlp_torch.onnx", "mlp_batched", "1");
        TestModels.write(repo.resolve("mlp_batched/config.json"),
                "{\"max_batch_size\": 8, \"dynamic_batching\": {\"max_queue_delay_microseconds\": 200000}, \"instance_group\": [{\"count\": 1}]}");
        TestModels.install(repo, "mlp_torchscript.pt", "mlp_torchscript", "1");
        TestModels.write(repo.resolve("mlp_torchscript/config.json"), "{" + TORCH_INPUT
                + ", \"outputs\": [{\"name\": \"output\", \"datatype\": \"FP32\", \"shape\": [-1, 3]}]}");
        TestModels.install(repo, "mlp_torchscript.pt", "mlp_torchscript_batched", "1");
        TestModels.write(repo.resolve("mlp_torchscript_batched/config.json"), "{" + TORCH_INPUT
                + ", \"max_batch_size\": 8, \"dynamic_batching\": {\"max_queue_delay_microseconds\": 200000}, \"instance_group\": [{\"count\": 1}]}");
        TestModels.install(repo, "outputs/tuple_net.pt", "tuple_net", "1");
        TestModels.write(repo.resolve("tuple_net/config.json"), "{" + TORCH_INPUT + ", " + TORCH_OUTPUTS + "}");
        TestModels.install(repo, "outputs/dict_net.pt", "dict_net", "1");
        TestModels.write(repo.resolve("dict_net/config.json"), "{" + TORCH_INPUT + ", " + TORCH_OUTPUTS + "}");
        kubeServe = KubeServe.builder().repository(repo).build();
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("iris_logreg", "float_input", Map.of("output_label", shape(DataType.INT64, 0),
                        "output_probability", shape(DataType.FP32, 0, 3))),
                Arguments.of("iris_rf", "float_input", Map.of("output_label", shape(DataType.INT64, 0),
                        "output_probability", shape(DataType.FP32, 0, 3))),
                Arguments.of("zipmap_strings", "float_input", Map.of("output_label", shape(DataType.BYTES, 0),
                        "output_probability", shape(DataType.FP32, 0, 3), "class_name", shape(DataType.BYTES, 0))),
                Arguments.of("mlp_onnx", "input", Map.of("output", shape(DataType.FP32, 0, 3))),
                Arguments.of("mlp_batched", "input", Map.of("output", shape(DataType.FP32, 0, 3))),
                Arguments.of("mlp_torchscript", "input", Map.of("output", shape(DataType.FP32, 0, 3))),
                Arguments.of("mlp_torchscript_batched", "input", Map.of("output", shape(DataType.FP32, 0, 3))),
                Arguments.of("tuple_net", "input", Map.of("probs", shape(DataType.FP32, 0, 3),
                        "label", shape(DataType.INT64, 0))),
                Arguments.of("dict_net", "input", Map.of("probs", shape(DataType.FP32, 0, 3),
                        "label", shape(DataType.INT64, 0))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void zeroRowsGiveEmptyOutputsOfTheDeclaredShapes(String model, String input, Map<String, String> outputs) {
        InferenceResponse response = kubeServe.predictor(model).predict(
                InferenceRequest.of(input, Tensor.ofFloats(new long[] {0, features(model)})));
        assertThat(response.outputs()).containsOnlyKeys(outputs.keySet());
        outputs.forEach((name, expected) -> {
            Tensor tensor = response.output(name);
            assertThat(shape(tensor.type(), tensor.shape())).as(name).isEqualTo(expected);
            assertThat(tensor.size()).isZero();
        });
        // and the model still answers one row
        InferenceResponse one = kubeServe.predictor(model).predict(
                InferenceRequest.of(input, Tensor.ofFloats(new long[] {1, features(model)},
                        java.util.Arrays.copyOf(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, features(model)))));
        assertThat(one.outputs().values()).allSatisfy(tensor -> assertThat(tensor.shape()[0]).isEqualTo(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batchedModels")
    void zeroRowsMixedIntoABatchLeaveTheOtherRowsRight(String model) throws Exception {
        JsonNode expected = TestModels.expected("mlp_torch");
        Predictor predictor = kubeServe.predictor(model);
        // the delay is long, so the three requests are taken into one execution
        CompletableFuture<InferenceResponse> before = predictor.predictAsync(
                InferenceRequest.of("input", TestModels.sampleRows(expected, "input", 0, 2))).toCompletableFuture();
        CompletableFuture<InferenceResponse> empty = predictor.predictAsync(
                InferenceRequest.of("input", Tensor.ofFloats(new long[] {0, 4}))).toCompletableFuture();
        CompletableFuture<InferenceResponse> after = predictor.predictAsync(
                InferenceRequest.of("input", TestModels.sampleRows(expected, "input", 2, 5))).toCompletableFuture();

        assertThat(empty.get().output("output").shape()).containsExactly(0, 3);
        assertMlpRows(before.get().output("output"), expected, 0, 2);
        assertMlpRows(after.get().output("output"), expected, 2, 5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batchedModels")
    void onlyZeroRowRequestsInABatch(String model) throws Exception {
        Predictor predictor = kubeServe.predictor(model);
        CompletableFuture<InferenceResponse> a = predictor.predictAsync(
                InferenceRequest.of("input", Tensor.ofFloats(new long[] {0, 4}))).toCompletableFuture();
        CompletableFuture<InferenceResponse> b = predictor.predictAsync(
                InferenceRequest.of("input", Tensor.ofFloats(new long[] {0, 4}))).toCompletableFuture();
        assertThat(a.get().output("output").shape()).containsExactly(0, 3);
        assertThat(b.get().output("output").shape()).containsExactly(0, 3);
    }

    private static int features(String model) {
        return model.equals("zipmap_strings") ? 2 : 4;
    }

    static Stream<String> batchedModels() {
        return Stream.of("mlp_batched", "mlp_torchscript_batched");
    }

    private static void assertMlpRows(Tensor output, JsonNode expected, int from, int to) {
        JsonNode rows = expected.get("expected").get("output");
        double tolerance = Tolerances.absolute(expected, "output");
        assertThat(output.shape()).containsExactly(to - from, 3);
        for (int r = from; r < to; r++) {
            for (int c = 0; c < 3; c++) {
                assertThat((double) output.getFloat((r - from) * 3 + c))
                        .isCloseTo(rows.get(r).get(c).asDouble(), within(tolerance));
            }
        }
    }

    private static String shape(DataType type, long... dims) {
        return type + java.util.Arrays.toString(dims);
    }
}
