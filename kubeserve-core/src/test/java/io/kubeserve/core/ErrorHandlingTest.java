package io.kubeserve.core;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.registry.ModelState;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a caller or an operator can get it wrong ends in a {@link KubeServeException} with
 * the right code and a message that says what was expected; broken models hurt only themselves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorHandlingTest {

    @TempDir
    static Path repo;

    private KubeServe kubeServe;
    private Predictor iris;

    @BeforeAll
    void load() {
        TestModels.install(repo, "iris_logreg.onnx", "iris", "1");
        TestModels.write(repo.resolve("iris/labels.txt"), "setosa\nversicolor\nvirginica\n");
        TestModels.install(repo, "mlp_torch.onnx", "mlp", "1");
        TestModels.write(repo.resolve("corrupt/1/model.onnx"), "this is not a protobuf");
        TestModels.write(repo.resolve("corrupt_torch/1/model.pt"), "not a zip file either");
        TestModels.install(repo, "mlp_torch.onnx", "on_gpu", "1");
        TestModels.write(repo.resolve("on_gpu/config.json"), "{\"device\": \"gpu:0\"}");
        TestModels.install(repo, "mlp_torch.onnx", "typo", "1");
        TestModels.write(repo.resolve("typo/config.json"), "{\"max_batchsize\": 8}");
        TestModels.write(repo.resolve("no_versions/README"), "nothing here");
        kubeServe = KubeServe.builder().repository(repo).build();
        iris = kubeServe.predictor("iris");
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    @Test
    void brokenModelsFailAloneWithTheirReason() {
        assertThat(kubeServe.statuses()).extracting(ModelStatus::name, ModelStatus::state).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("corrupt", ModelState.FAILED),
                org.assertj.core.groups.Tuple.tuple("corrupt_torch", ModelState.FAILED),
                org.assertj.core.groups.Tuple.tuple("iris", ModelState.READY),
                org.assertj.core.groups.Tuple.tuple("mlp", ModelState.READY),
                org.assertj.core.groups.Tuple.tuple("no_versions", ModelState.FAILED),
                org.assertj.core.groups.Tuple.tuple("on_gpu", ModelState.FAILED),
                org.assertj.core.groups.Tuple.tuple("typo", ModelState.FAILED));
        assertThat(reason("corrupt")).contains("cannot load ONNX model model.onnx");
        assertThat(reason("corrupt_torch")).contains("cannot load TorchScript model model.pt");
        assertThat(reason("on_gpu")).contains("device gpu:0 was requested but");
        assertThat(reason("typo")).contains("unknown key 'max_batchsize'");
        assertThat(reason("no_versions")).contains("has no version directory");
        assertThat(kubeServe.registry().isReady()).isTrue();
    }

    @Test
    void aFailedModelIsNotReadyAndSaysWhy() {
        expect(() -> kubeServe.predictor("corrupt"), ErrorCode.MODEL_NOT_READY, "failed to load: cannot load ONNX model");
    }

    @Test
    void unknownModelAndVersionAreNotFound() {
        expect(() -> kubeServe.predictor("nope"), ErrorCode.MODEL_NOT_FOUND, "model 'nope' is not known");
        expect(() -> kubeServe.registry().model("iris", "7"), ErrorCode.MODEL_NOT_FOUND, "has no version '7'");
    }

    @Test
    void wrongInputNameSaysWhichInputsExist() {
        expect(() -> iris.predict(InferenceRequest.of("features", rows(1, 4))), ErrorCode.INVALID_INPUT,
                "model 'iris' has no input 'features'; its inputs are [float_input:FP32[-1, 4]]");
    }

    @Test
    void missingInputIsNamed() {
        expect(() -> iris.predict(InferenceRequest.of(Map.of())), ErrorCode.INVALID_INPUT,
                "input 'float_input' is missing");
    }

    @Test
    void wrongShapeSaysWhatWasExpected() {
        expect(() -> iris.predict(InferenceRequest.of("float_input", rows(2, 5))), ErrorCode.INVALID_INPUT,
                "input 'float_input' must have shape [-1, 4], got [2, 5]");
        expect(() -> iris.predict(InferenceRequest.of("float_input", Tensor.ofFloats(new long[] {4}, new float[4]))),
                ErrorCode.INVALID_INPUT, "must have shape [-1, 4], got [4]");
    }

    @Test
    void wrongDatatypeSaysWhatWasExpected() {
        expect(() -> iris.predict(InferenceRequest.of("float_input", Tensor.ofDoubles(new long[] {1, 4}, new double[4]))),
                ErrorCode.INVALID_INPUT, "input 'float_input' must be FP32, got FP64");
    }

    @Test
    void unknownRequestedOutputIsInvalid() {
        expect(() -> iris.predict(new InferenceRequest(null, Map.of("float_input", rows(1, 4)),
                java.util.List.of("scores"))), ErrorCode.INVALID_INPUT, "has no output 'scores'");
    }

    @Test
    void labelledClassifierAddsClassNames() {
        InferenceResponse response = iris.predict(InferenceRequest.of("float_input",
                Tensor.ofFloats(new long[] {2, 4}, 5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f)));
        assertThat(response.output(Classification.CLASS_NAME_OUTPUT).toStringArray())
                .containsExactly("setosa", "virginica");
        Classification classification = Classification.of(response, kubeServe.model("iris").metadata());
        assertThat(classification.classIndex(0)).isZero();
        assertThat(classification.className(1)).isEqualTo("virginica");
        assertThat(classification.confidence(0)).isBetween(0.5, 1.0);
    }

    @Test
    void emptyRepositoryServesNothingAndSaysSo(@TempDir Path empty) {
        try (KubeServe none = KubeServe.builder().repository(empty).build()) {
            assertThat(none.statuses()).isEmpty();
            assertThat(none.registry().isReady()).isFalse();
            expect(() -> none.predictor("iris"), ErrorCode.MODEL_NOT_FOUND, "model 'iris' is not known");
        }
    }

    @Test
    void missingRepositoryIsAClearError() {
        expect(() -> KubeServe.builder().repository(repo.resolve("does-not-exist")), ErrorCode.MODEL_NOT_FOUND,
                "does not exist");
    }

    private String reason(String model) {
        return kubeServe.registry().statuses(model).get(0).reason();
    }

    private static Tensor rows(int rows, int columns) {
        return Tensor.ofFloats(new long[] {rows, columns}, new float[rows * columns]);
    }

    private static void expect(ThrowingCallable call, ErrorCode code, String messagePart) {
        assertThatThrownBy(call).isInstanceOf(KubeServeException.class)
                .hasMessageContaining(messagePart)
                .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(code));
    }
}
