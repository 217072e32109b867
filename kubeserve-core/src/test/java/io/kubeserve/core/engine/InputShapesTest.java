package io.kubeserve.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which inputs carry the batch dimension, and what they must agree on, follow what the model declares. */
class InputShapesTest {

    /** Signatures written as {@code "x[N,D] w[D,K] bias[K]"}; {@code ?} is an unnamed variable dimension. */
    static Stream<Arguments> signatures() {
        return Stream.of(
                Arguments.of("x[N,D] w[D,K] bias[K]", false),
                Arguments.of("input_ids[batch,seq] attention_mask[batch,seq]", true),
                Arguments.of("a[?,4] b[?,2]", true),
                Arguments.of("a[?,4]", true),
                Arguments.of("a[N,4] b[M,4]", false),
                Arguments.of("a[N,4] b[?,4]", false),
                Arguments.of("a[?,4] b[4]", false),
                Arguments.of("a[4,?]", false),
                Arguments.of("a[N,N]", false),
                Arguments.of("a[N,4] b[N,N]", false),
                Arguments.of("scalar[]", false),
                Arguments.of("", false));
    }

    @ParameterizedTest(name = "{0} batchable: {1}")
    @MethodSource("signatures")
    void batchableOnlyWhenEveryInputStartsWithTheSameBatchDimension(String signature, boolean batchable) {
        assertThat(InputShapes.of(model(signature)).batchable()).isEqualTo(batchable);
    }

    static Stream<Arguments> checks() {
        return Stream.of(
                Arguments.of("x[N,D] w[D,K] bias[K]", false, "2x3 3x2 2", null),
                Arguments.of("x[N,D] w[D,K] bias[K]", false, "2x3 4x2 2",
                        "inputs disagree on dimension 'D': 'x' has 3 at axis 1, 'w' has 4 at axis 0"),
                Arguments.of("x[N,D] w[D,K] bias[K]", false, "2x3 3x2 3",
                        "inputs disagree on dimension 'K': 'w' has 2 at axis 1, 'bias' has 3 at axis 0"),
                Arguments.of("ids[batch,seq] mask[batch,seq]", false, "1x3 1x2",
                        "inputs disagree on dimension 'seq': 'ids' has 3 at axis 1, 'mask' has 2 at axis 1"),
                Arguments.of("ids[batch,seq] mask[batch,seq]", true, "2x3 1x3",
                        "inputs disagree on dimension 'batch': 'ids' has 2 at axis 0, 'mask' has 1 at axis 0"),
                // unnamed dimensions declare nothing shared, unless batching says every input carries the batch
                Arguments.of("a[?,4] b[?,2]", false, "2x4 3x2", null),
                Arguments.of("a[?,4] b[?,2]", true, "2x4 3x2", "inputs disagree on the batch size: 'b' has 3 rows, 'a' 2"),
                Arguments.of("a[?,4] b[?,2]", true, "3x4 3x2", null),
                Arguments.of("a[?,?] b[?,?]", false, "1x3 1x2", null));
    }

    @ParameterizedTest(name = "{0} batching {1}: {2}")
    @MethodSource("checks")
    void sharedDimensionsAreCompared(String signature, boolean batching, String shapes, String error) {
        ModelMetadata model = model(signature);
        InputShapes rules = InputShapes.of(model, batching);
        Tensor[] inputs = Arrays.stream(shapes.split(" ")).map(InputShapesTest::zeros).toArray(Tensor[]::new);
        if (error == null) {
            assertThatCode(() -> rules.check(inputs)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> rules.check(inputs)).isInstanceOf(KubeServeException.class).hasMessageContaining(error);
        }
    }

    @Test
    void bindInputsChecksEachSpecThenTheSharedDimensions() {
        ModelMetadata model = model("x[N,D] w[D,K] bias[K]");
        var request = io.kubeserve.core.spi.InferenceRequest.of(new java.util.LinkedHashMap<>(java.util.Map.of(
                "bias", zeros("2"), "w", zeros("3x2"), "x", zeros("5x3"))));
        Tensor[] bound = EnginePredictor.bindInputs(model, InputShapes.of(model), request);
        assertThat(bound).extracting(Tensor::shape).containsExactly(new long[] {5, 3}, new long[] {3, 2}, new long[] {2});
    }

    private static Tensor zeros(String shape) {
        long[] dims = Arrays.stream(shape.split("x")).mapToLong(Long::parseLong).toArray();
        return Tensor.ofFloats(dims, new float[Tensor.elementCount(dims)]);
    }

    static ModelMetadata model(String signature) {
        List<TensorSpec> inputs = new ArrayList<>();
        for (String input : signature.isBlank() ? new String[0] : signature.split(" ")) {
            String name = input.substring(0, input.indexOf('['));
            String body = input.substring(input.indexOf('[') + 1, input.length() - 1);
            String[] dims = body.isEmpty() ? new String[0] : body.split(",");
            long[] shape = new long[dims.length];
            List<String> names = new ArrayList<>();
            for (int i = 0; i < dims.length; i++) {
                boolean fixed = dims[i].chars().allMatch(Character::isDigit);
                shape[i] = fixed ? Long.parseLong(dims[i]) : -1;
                names.add(fixed || dims[i].equals("?") ? "" : dims[i]);
            }
            inputs.add(new TensorSpec(name, DataType.FP32, shape, names));
        }
        return new ModelMetadata("m", "1", "test", inputs, List.of(), List.of());
    }
}
