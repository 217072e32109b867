package io.kubeserve.core;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, kinds 6, 11 and 12 on real ONNX models ({@code models/shapes}, made by its
 * {@code make_models.py}; right values computed there with numpy): shapes are checked against the
 * dimensions each model declares across its inputs, an input the engine cannot run on is an
 * {@code INVALID_INPUT} in our words, and ZipMap probabilities keep the model's class order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelShapesTest {

    @TempDir
    static Path repo;

    private KubeServe kubeServe;
    private JsonNode expected;

    @BeforeAll
    void load() {
        TestModels.install(repo, "shapes/tok.onnx", "tok", "1");
        TestModels.install(repo, "shapes/affine.onnx", "affine", "1");
        // max_batch_size asks for batching, but w and bias do not carry the batch dimension
        TestModels.install(repo, "shapes/affine.onnx", "affine_batched", "1");
        TestModels.write(repo.resolve("affine_batched/config.json"),
                "{\"max_batch_size\": 8, \"max_queue_delay_microseconds\": 1000}");
        TestModels.install(repo, "shapes/anonymous_add.onnx", "anonymous_add", "1");
        TestModels.install(repo, "shapes/add_torchscript.pt", "add_torchscript", "1");
        TestModels.write(repo.resolve("add_torchscript/config.json"), "{\"inputs\": ["
                + "{\"name\": \"a\", \"datatype\": \"FP32\", \"shape\": [-1, -1]},"
                + "{\"name\": \"b\", \"datatype\": \"FP32\", \"shape\": [-1, -1]}],"
                + " \"outputs\": [{\"name\": \"sum\", \"datatype\": \"FP32\", \"shape\": [-1, -1]}]}");
        TestModels.install(repo, "shapes/zipmap_strings.onnx", "zipmap_strings", "1");
        TestModels.install(repo, "shapes/zipmap_ints.onnx", "zipmap_ints", "1");
        TestModels.install(repo, "shapes/zipmap_ints.onnx", "zipmap_ints_labelled", "1");
        TestModels.write(repo.resolve("zipmap_ints_labelled/labels.txt"), "zero\none\ntwo\n");
        kubeServe = KubeServe.builder().repository(repo).build();
        expected = readExpected();
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    // kind 6: field case15

    @Test
    void case15MaskedSumIsRight() {
        JsonNode tok = expected.get("tok");
        InferenceResponse response = kubeServe.predictor("tok").predict(InferenceRequest.of(Map.of(
                "input_ids", longs(tok.get("input_ids")), "attention_mask", longs(tok.get("attention_mask")))));
        assertThat(response.output("masked_sum").toLongArray()).containsExactly(longArray(tok.get("masked_sum")));
        assertThat(response.output("masked_sum").shape()).containsExactly(2);
        assertThat(response.output("ids_echo")).isEqualTo(longs(tok.get("input_ids")));
    }

    static Stream<Arguments> inputsThatDisagree() {
        return Stream.of(
                // field case15: sequence 3 vs 2
                Arguments.of("tok", Map.of("input_ids", Tensor.ofLongs(new long[] {1, 3}, 1, 2, 3),
                        "attention_mask", Tensor.ofLongs(new long[] {1, 2}, 1, 1)),
                        "inputs disagree on dimension 'sequence': 'input_ids' has 3 at axis 1, 'attention_mask' has 2"),
                Arguments.of("tok", Map.of("input_ids", Tensor.ofLongs(new long[] {2, 1}, 1, 2),
                        "attention_mask", Tensor.ofLongs(new long[] {1, 1}, 1)),
                        "inputs disagree on dimension 'batch_size': 'input_ids' has 2 at axis 0, 'attention_mask' has 1"),
                // affine: D is x's axis 1 and w's axis 0; K is w's axis 1 and bias's axis 0
                Arguments.of("affine", affine(2, 3, 4, 2, 2), "inputs disagree on dimension 'D': 'x' has 3 at axis 1,"
                        + " 'w' has 4 at axis 0; the model declares x [N, D], w [D, K]"),
                Arguments.of("affine", affine(2, 3, 3, 2, 3), "inputs disagree on dimension 'K': 'w' has 2 at axis 1,"
                        + " 'bias' has 3 at axis 0"),
                Arguments.of("affine_batched", affine(1, 2, 3, 2, 2), "inputs disagree on dimension 'D'"));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("inputsThatDisagree")
    void sharedSymbolicDimensionsMustAgreeBeforeTheEngineRuns(String model, Map<String, Tensor> inputs, String message) {
        assertThatThrownBy(() -> kubeServe.predictor(model).predict(InferenceRequest.of(inputs)))
                .isInstanceOf(KubeServeException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"anonymous_add, its Add operator", "add_torchscript, one of its operators"})
    void anEngineFailureCausedByTheInputIsInvalidInputInOurWords(String model, String operator) {
        Predictor add = kubeServe.predictor(model);
        // the model names no dimensions, so only its Add finds that 3 columns do not broadcast to 2
        InferenceRequest bad = InferenceRequest.of(Map.of("a", Tensor.ofFloats(new long[] {1, 3}, 1, 2, 3),
                "b", Tensor.ofFloats(new long[] {1, 2}, 1, 1)));
        for (int attempt = 0; attempt < 3; attempt++) {
            assertThatThrownBy(() -> add.predict(bad)).isInstanceOf(KubeServeException.class)
                    .satisfies(e -> {
                        assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.getMessage()).startsWith("the model cannot run on these inputs: " + operator)
                                .doesNotContain("/", "\\", ".h:", ".cc", "onnxruntime", "Ort", "Exception", "ai.",
                                        "broadcast", "status code", "size of tensor");
                    });
        }
        // and the model keeps serving
        InferenceResponse good = add.predict(InferenceRequest.of(Map.of(
                "a", Tensor.ofFloats(new long[] {1, 2}, 1, 2), "b", Tensor.ofFloats(new long[] {1, 2}, 0.5f, 0.25f))));
        assertThat(good.output("sum").toFloatArray()).containsExactly(1.5f, 2.25f);
    }

    // kind 11

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"affine", "affine_batched"})
    void onlyInputsDeclaredWithTheBatchDimensionCarryIt(String model) {
        JsonNode affine = expected.get("affine");
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("x", floats(affine.get("x")));
        inputs.put("w", floats(affine.get("w")));
        inputs.put("bias", floats(affine.get("bias")));
        Tensor y = kubeServe.predictor(model).predict(InferenceRequest.of(inputs)).output("y");
        assertThat(y.shape()).containsExactly(2, 2);
        assertFloats(y, affine.get("y"), "y");
        // one row of x, the same w and bias: still valid, w has 3 rows and bias none
        inputs.put("x", Tensor.ofFloats(new long[] {1, 3}, 1, 2, 3));
        assertFloats(kubeServe.predictor(model).predict(InferenceRequest.of(inputs)).output("y"),
                affine.get("y").get(0), "y");
    }

    @Test
    void aModelWhoseInputsDoNotAllCarryTheBatchDimensionIsNeverBatched() throws Exception {
        // concurrent requests with max_batch_size set: stacking them would stack w and bias too
        JsonNode affine = expected.get("affine");
        Predictor predictor = kubeServe.predictor("affine_batched");
        List<java.util.concurrent.CompletableFuture<InferenceResponse>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Map<String, Tensor> inputs = Map.of("x", floats(affine.get("x")), "w", floats(affine.get("w")),
                    "bias", floats(affine.get("bias")));
            calls.add(predictor.predictAsync(InferenceRequest.of(inputs)).toCompletableFuture());
        }
        for (var call : calls) {
            assertFloats(call.get(30, java.util.concurrent.TimeUnit.SECONDS).output("y"), affine.get("y"), "y");
        }
        assertThat(kubeServe.registry().model("tok", "1").metadata().inputs().get(0).dimensionNames())
                .containsExactly("batch_size", "sequence");
    }

    // kind 12

    @Test
    void zipMapStringLabelsKeepTheModelsClassOrder() {
        JsonNode zipmap = expected.get("zipmap_strings");
        assertThat(kubeServe.registry().model("zipmap_strings", "1").metadata().classLabels())
                .containsExactly("b", "a", "c");
        assertThat(kubeServe.registry().model("zipmap_strings", "1").metadata().outputs())
                .filteredOn(spec -> spec.name().equals("output_probability"))
                .singleElement().satisfies(spec -> assertThat(spec.shape()).containsExactly(-1, 3));
        // six calls of one shape: an execution thread's later calls write the probabilities into
        // its kept native tensor while OnnxRuntime makes the string labels anew; the rows come
        // reversed every other call, so a stale output cannot pass for a fresh one
        for (int call = 0; call < 6; call++) {
            boolean reversed = call % 2 == 1;
            InferenceResponse response = kubeServe.predictor("zipmap_strings").predict(InferenceRequest.of(
                    "float_input", floats(rows(zipmap.get("float_input"), reversed))));
            Tensor probabilities = response.output("output_probability");
            assertThat(probabilities.shape()).containsExactly(3, 3);
            assertFloats(probabilities, rows(zipmap.get("probabilities"), reversed), "probabilities");
            String[] labels = strings(rows(zipmap.get("label"), reversed));
            assertThat(response.output("output_label").toStringArray()).as("call %d", call).containsExactly(labels);
            assertThat(response.output(Classification.CLASS_NAME_OUTPUT).toStringArray()).containsExactly(labels);
        }
    }

    /** The rows of an expected array, in order or reversed. */
    private static JsonNode rows(JsonNode values, boolean reversed) {
        com.fasterxml.jackson.databind.node.ArrayNode rows = com.fasterxml.jackson.databind.node.JsonNodeFactory
                .instance.arrayNode();
        for (int i = 0; i < values.size(); i++) {
            rows.add(values.get(reversed ? values.size() - 1 - i : i));
        }
        return rows;
    }

    @Test
    void zipMapIntegerLabelsKeepTheModelsClassOrder() {
        JsonNode zipmap = expected.get("zipmap_ints");
        for (String model : List.of("zipmap_ints", "zipmap_ints_labelled")) {
            InferenceResponse response = kubeServe.predictor(model).predict(
                    InferenceRequest.of("float_input", floats(zipmap.get("float_input"))));
            assertFloats(response.output("output_probability"), zipmap.get("probabilities"), "probabilities");
            assertThat(response.output("output_label").toLongArray()).containsExactly(longArray(zipmap.get("label")));
        }
        assertThat(kubeServe.registry().model("zipmap_ints", "1").metadata().classLabels()).isEmpty();
        // labels.txt names integer labels by value, class 0 first: labels [2, 0, 1] are two, zero, one
        InferenceResponse labelled = kubeServe.predictor("zipmap_ints_labelled").predict(
                InferenceRequest.of("float_input", floats(zipmap.get("float_input"))));
        assertThat(labelled.output(Classification.CLASS_NAME_OUTPUT).toStringArray())
                .containsExactly("two", "zero", "one");
    }

    private static Map<String, Tensor> affine(int n, int d, int wRows, int k, int biasSize) {
        return Map.of("x", Tensor.ofFloats(new long[] {n, d}, new float[n * d]),
                "w", Tensor.ofFloats(new long[] {wRows, k}, new float[wRows * k]),
                "bias", Tensor.ofFloats(new long[] {biasSize}, new float[biasSize]));
    }

    /** {@code actual} against the numpy values of {@code output}, within the tolerance expected.json states for it. */
    private void assertFloats(Tensor actual, JsonNode expectedValues, String output) {
        double tolerance = Tolerances.absolute(expected, output);
        double[] flat = flatten(expectedValues).stream().mapToDouble(JsonNode::asDouble).toArray();
        float[] values = actual.toFloatArray();
        assertThat(values).hasSize(flat.length);
        for (int i = 0; i < flat.length; i++) {
            assertThat((double) values[i]).as("element " + i).isCloseTo(flat[i], within(tolerance));
        }
    }

    private static Tensor floats(JsonNode values) {
        List<JsonNode> flat = flatten(values);
        float[] data = new float[flat.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) flat.get(i).asDouble();
        }
        return Tensor.of(DataType.FP32, shape(values), Tensor.ofFloats(shape(values), data).data());
    }

    private static Tensor longs(JsonNode values) {
        return Tensor.ofLongs(shape(values), longArray(values));
    }

    private static long[] longArray(JsonNode values) {
        return flatten(values).stream().mapToLong(JsonNode::asLong).toArray();
    }

    private static String[] strings(JsonNode values) {
        return flatten(values).stream().map(JsonNode::asText).toArray(String[]::new);
    }

    private static long[] shape(JsonNode values) {
        return values.isArray() && values.size() > 0 && values.get(0).isArray()
                ? new long[] {values.size(), values.get(0).size()}
                : new long[] {values.size()};
    }

    private static List<JsonNode> flatten(JsonNode values) {
        List<JsonNode> flat = new java.util.ArrayList<>();
        if (values.isArray()) {
            values.forEach(value -> flat.addAll(flatten(value)));
        } else {
            flat.add(values);
        }
        return flat;
    }

    private static JsonNode readExpected() {
        try (var in = ModelShapesTest.class.getResourceAsStream("/models/shapes/expected.json")) {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
