package io.kubeserve.core.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12 kind 1 at its root: every datatype the OnnxRuntime Java API can make goes into a native
 * tensor and back unchanged. FP16 failed here once: handed a heap buffer, the Java API casts it to
 * ShortBuffer (field case01); inputs are always copied into a direct buffer.
 */
class OrtTypesTest {

    private final OrtEnvironment env = environment();

    /** As the loader does: DJL's engine first, or it cannot start later in this JVM. Shared by this package's tests. */
    static OrtEnvironment environment() {
        DjlRuntime.configure();
        ai.djl.engine.Engine.getEngine("OnnxRuntime");
        return OrtEnvironment.getEnvironment();
    }

    static Stream<DataType> makeable() {
        return Arrays.stream(DataType.values())
                .filter(type -> !type.isUnsigned() || type == DataType.UINT8);
    }

    @ParameterizedTest
    @MethodSource("makeable")
    void intoOnnxRuntimeAndBackUnchanged(DataType type) throws Exception {
        Tensor tensor;
        if (type == DataType.BYTES) {
            tensor = Tensor.ofStrings(new long[] {2, 2}, "setosa", "", "a\u0000b", "\uD83D\uDE00");
        } else {
            ByteBuffer bytes = ByteBuffer.allocate(4 * type.byteSize());
            for (int i = 0; i < bytes.capacity(); i++) {
                // BOOL elements are 0 or 1; other types take any bit pattern
                bytes.put((byte) (type == DataType.BOOL ? i % 2 : 0x3d * (i + 1)));
            }
            tensor = Tensor.of(type, new long[] {2, 2}, bytes.flip().asReadOnlyBuffer());
        }
        ByteBuffer direct = type.isFixedSize() ? ByteBuffer.allocateDirect((int) tensor.byteSize()) : null;
        try (OnnxTensor ort = OrtTypes.toOrt(env, tensor, direct)) {
            assertThat(OrtTypes.fromOrt(ort)).isEqualTo(tensor);
        }
    }

    @ParameterizedTest
    @MethodSource("io.kubeserve.core.DataTypesTest#onnxUnsupported")
    void unsignedInputsTheJavaApiCannotMakeAreRefusedByName(DataType type) {
        Tensor tensor = Tensor.of(type, new long[] {1}, ByteBuffer.allocate(type.byteSize()));
        assertThatThrownBy(() -> OrtTypes.toOrt(env, tensor, ByteBuffer.allocateDirect(type.byteSize())))
                .isInstanceOfSatisfying(KubeServeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
                    assertThat(e.getMessage()).contains(type.name());
                });
    }
}
