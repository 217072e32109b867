package io.kubeserve.core.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import ai.onnxruntime.OrtException;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What engines throw becomes our code and our words: an operator failing on the request's inputs
 * is {@code INVALID_INPUT}, anything else {@code INTERNAL}; no engine text reaches the message.
 */
class EngineFailuresTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                // field case15, as OnnxRuntime 1.21 words it
                Arguments.of(new OrtException(OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT,
                        "Non-zero status code returned while running Mul node. Name:'' Status Message: "
                                + "/onnxruntime_src/onnxruntime/core/providers/cpu/math/element_wise_ops.h:540 "
                                + "void onnxruntime::BroadcastIterator::Append(ptrdiff_t, ptrdiff_t) axis == 1 || "
                                + "axis == largest was false. Attempting to broadcast an axis by a dimension other "
                                + "than 1. 2 by 3"),
                        ErrorCode.INVALID_INPUT, "the model cannot run on these inputs: its Mul operator failed"),
                Arguments.of(new OrtException(OrtException.OrtErrorCode.ORT_RUNTIME_EXCEPTION,
                        "Non-zero status code returned while running Reshape node. Name:'r' Status Message: "
                                + "/onnxruntime_src/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:45 "
                                + "The input tensor cannot be reshaped to the requested shape. Input shape:{5}"),
                        ErrorCode.INVALID_INPUT, "its Reshape operator failed"),
                Arguments.of(new OrtException(OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT,
                        "Got invalid dimensions for input: x for the following indices index: 1 Got: 3 Expected: 4"),
                        ErrorCode.INVALID_INPUT, "the engine's input check failed"),
                Arguments.of(new EngineException("The size of tensor a (3) must match the size of tensor b (2) at "
                                + "non-singleton dimension 1\nException raised from infer_size_impl at "
                                + "../aten/src/ATen/ExpandUtils.cpp:31"),
                        ErrorCode.INVALID_INPUT, "one of its operators failed"),
                Arguments.of(new EngineException("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
                        ErrorCode.INVALID_INPUT, "one of its operators failed"),
                // the machine's faults, not the request's
                Arguments.of(new OrtException(OrtException.OrtErrorCode.ORT_RUNTIME_EXCEPTION,
                        "Non-zero status code returned while running MatMul node. Name:'m' Status Message: "
                                + "/onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 Failed to allocate memory"),
                        ErrorCode.INTERNAL, "the engine failed to run the model"),
                Arguments.of(new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB"),
                        ErrorCode.INTERNAL, "the engine failed to run the model"),
                Arguments.of(new IllegalStateException("Trying to score a closed OrtSession."),
                        ErrorCode.INTERNAL, "the engine failed to run the model"),
                Arguments.of(new OrtException(OrtException.OrtErrorCode.ORT_FAIL, "/src/some/native.cc:12 internal"),
                        ErrorCode.INTERNAL, "the engine failed to run the model"));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("failures")
    void translatedToOurCodeAndWords(Exception failure, ErrorCode code, String message) {
        KubeServeException translated = EngineFailures.translate(failure);
        assertThat(translated.code()).isEqualTo(code);
        assertThat(translated.getMessage()).contains(message)
                .doesNotContain("/", ".h:", ".cc", ".cpp", "onnxruntime", "Exception", "ai.", "Status Message",
                        "memory", "broadcast", "tensor a");
        assertThat(translated.getCause()).isSameAs(failure);
    }

    static Stream<Arguments> loadFailures() {
        return Stream.of(
                Arguments.of("Error code - ORT_INVALID_PROTOBUF - message: Load model from /srv/models/corrupt/1/model.onnx"
                        + " failed:Protobuf parsing failed.", "Load model from model.onnx failed:Protobuf parsing failed."),
                Arguments.of("Error code - ORT_FAIL - message: Load model from /srv/models/corrupt/1/model.onnx failed:"
                        + "/onnxruntime_src/onnxruntime/core/graph/model.cc:180 Unsupported model IR version: 11, max"
                        + " supported IR version: 10\nmore native detail",
                        "Load model from model.onnx failed:(path) Unsupported model IR version: 11, max supported IR version: 10"),
                Arguments.of(null, "unknown error"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("loadFailures")
    void loadFailuresNameTheFileNotTheServersPaths(String message, String described) {
        assertThat(EngineFailures.describeLoadFailure(message, java.nio.file.Path.of("/srv/models/corrupt/1/model.onnx")))
                .isEqualTo(described);
    }
}
