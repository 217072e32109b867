package io.kubeserve.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorTest {

    private static final long[] SHAPE = {2, 2};

    /** Extreme values of every fixed-size type survive being written and read back. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = "BYTES", mode = EnumSource.Mode.EXCLUDE)
    void everyFixedSizeTypeRoundTrips(DataType type) {
        ByteBuffer buffer = Tensor.allocate(type, 4);
        switch (type) {
            case BOOL -> buffer.put((byte) 1).put((byte) 0).put((byte) 1).put((byte) 0);
            case UINT8, INT8 -> buffer.put((byte) 0).put((byte) -1).put(Byte.MIN_VALUE).put(Byte.MAX_VALUE);
            case UINT16, INT16, FP16 -> buffer.putShort((short) 0).putShort((short) -1)
                    .putShort(Short.MIN_VALUE).putShort(Short.MAX_VALUE);
            case UINT32, INT32 -> buffer.putInt(0).putInt(-1).putInt(Integer.MIN_VALUE).putInt(Integer.MAX_VALUE);
            case UINT64, INT64 -> buffer.putLong(0).putLong(-1).putLong(Long.MIN_VALUE).putLong(Long.MAX_VALUE);
            case FP32 -> buffer.putFloat(0f).putFloat(-1.5f).putFloat(Float.MIN_VALUE).putFloat(Float.MAX_VALUE);
            case FP64 -> buffer.putDouble(0).putDouble(-1.5).putDouble(Double.MIN_VALUE).putDouble(Double.MAX_VALUE);
            default -> throw new AssertionError(type);
        }
        Tensor tensor = Tensor.of(type, SHAPE, buffer.flip());

        assertThat(tensor.type()).isEqualTo(type);
        assertThat(tensor.shape()).containsExactly(2, 2);
        assertThat(tensor.size()).isEqualTo(4);
        assertThat(tensor.byteSize()).isEqualTo(4L * type.byteSize());
        assertThat(Tensor.of(type, SHAPE, tensor.data())).isEqualTo(tensor);
        switch (type) {
            case BOOL -> assertThat(new boolean[] {tensor.getBoolean(0), tensor.getBoolean(1)}).containsExactly(true, false);
            case UINT8 -> assertThat(tensor.getAsLong(1)).isEqualTo(255);
            case INT8 -> assertThat(tensor.getAsLong(2)).isEqualTo(Byte.MIN_VALUE);
            case UINT16 -> assertThat(tensor.getAsLong(1)).isEqualTo(65_535);
            case INT16 -> assertThat(tensor.getAsLong(2)).isEqualTo(Short.MIN_VALUE);
            case UINT32 -> assertThat(tensor.getAsLong(1)).isEqualTo(4_294_967_295L);
            case INT32 -> assertThat(tensor.getAsLong(3)).isEqualTo(Integer.MAX_VALUE);
            case UINT64 -> assertThat(tensor.getAsDouble(1)).isEqualTo(18_446_744_073_709_551_615.0);
            case INT64 -> assertThat(tensor.getLong(2)).isEqualTo(Long.MIN_VALUE);
            case FP16 -> assertThat(tensor.getAsDouble(3)).isNaN(); // 0x7fff is a half-precision NaN
            case FP32 -> assertThat(tensor.toFloatArray()).containsExactly(0f, -1.5f, Float.MIN_VALUE, Float.MAX_VALUE);
            case FP64 -> assertThat(tensor.getDouble(3)).isEqualTo(Double.MAX_VALUE);
            default -> throw new AssertionError(type);
        }
    }

    @Test
    void bytesKeepEveryElementIncludingNonAscii() {
        Tensor tensor = Tensor.ofStrings(new long[] {3}, "setosa", "", "Blütenblatt 🌸");
        assertThat(tensor.type()).isEqualTo(DataType.BYTES);
        assertThat(tensor.toStringArray()).containsExactly("setosa", "", "Blütenblatt 🌸");
        assertThat(tensor.byteLength(0)).isEqualTo(6);
        assertThat(tensor).isEqualTo(Tensor.ofStrings(new long[] {3}, "setosa", "", "Blütenblatt 🌸"));
        assertThat(tensor).isNotEqualTo(Tensor.ofStrings(new long[] {3}, "setosa", "", "other"));
    }

    @Test
    void factoriesMatchTheirTypes() {
        assertThat(Tensor.ofDoubles(new long[] {1}, 2.5).getAsDouble(0)).isEqualTo(2.5);
        assertThat(Tensor.ofInts(new long[] {2}, 7, -7).toLongArray()).containsExactly(7, -7);
        assertThat(Tensor.ofLongs(new long[] {1}, Long.MAX_VALUE).getLong(0)).isEqualTo(Long.MAX_VALUE);
        assertThat(Tensor.ofBooleans(new long[] {2}, true, false).getAsLong(0)).isEqualTo(1);
        assertThat(Tensor.ofFloats(new long[] {2, 3}, new float[6]).reshape(3, 2).shape()).containsExactly(3, 2);
    }

    @Test
    void float16ConvertsExactlyRepresentableValuesBothWays() {
        for (float value : new float[] {0f, -0f, 1f, -2f, 0.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f}) {
            assertThat(Float16.toFloat(Float16.fromFloat(value))).isEqualTo(value);
        }
        assertThat(Float16.toFloat(Float16.fromFloat(1e6f))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Float16.toFloat(Float16.fromFloat(Float.NaN))).isNaN();
        // 1 + 2^-11 lies halfway between 1 and the next half, so it rounds to even (1)
        assertThat(Float16.toFloat(Float16.fromFloat(1f + 0x1p-11f))).isEqualTo(1f);
    }

    @Test
    void dataThatDoesNotFitTheShapeIsInvalidInput() {
        assertThatThrownBy(() -> Tensor.of(DataType.FP32, new long[] {2, 2}, ByteBuffer.allocate(12)))
                .isInstanceOf(KubeServeException.class)
                .hasMessageContaining("needs 16 bytes")
                .extracting(e -> ((KubeServeException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThatThrownBy(() -> Tensor.ofStrings(new long[] {2}, "one"))
                .hasMessageContaining("needs 2 elements");
        assertThatThrownBy(() -> Tensor.elementCount(new long[] {1, -3}))
                .hasMessageContaining("negative dimension");
        assertThatThrownBy(() -> Tensor.elementCount(new long[] {1L << 20, 1L << 20}))
                .hasMessageContaining("too large");
    }

    @Test
    void aShapeWhoseProductOverflowsIsTooLargeNotWrappedAround() {
        // 2 x (2^63 - 1) wraps to -2 in a long, 4 x 2^62 to 0, 4 x (2^62 + 1) to 4: each must be refused
        for (long[] shape : new long[][] {{2, Long.MAX_VALUE}, {4, 1L << 62}, {4, (1L << 62) + 1},
                                           {0, Long.MAX_VALUE}, {1L << 31}}) {
            assertThatThrownBy(() -> Tensor.elementCount(shape))
                    .as(Arrays.toString(shape))
                    .isInstanceOf(KubeServeException.class)
                    .hasMessageContaining("too large")
                    .extracting(e -> ((KubeServeException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT);
        }
        assertThat(Tensor.elementCount(new long[] {Integer.MAX_VALUE})).isEqualTo(Integer.MAX_VALUE);
        assertThat(Tensor.elementCount(new long[] {0, Integer.MAX_VALUE})).isZero();
        assertThatThrownBy(() -> Tensor.ofFloats(new long[] {4}, new float[4]).reshape(3))
                .hasMessageContaining("cannot reshape");
    }

    @Test
    void specsCheckTypeAndShapeWithClearMessages() {
        TensorSpec spec = new TensorSpec("float_input", DataType.FP32, new long[] {-1, 4});
        spec.check(Tensor.ofFloats(new long[] {3, 4}, new float[12]));
        assertThatThrownBy(() -> spec.check(Tensor.ofFloats(new long[] {1, 5}, new float[5])))
                .hasMessage("input 'float_input' must have shape [-1, 4], got [1, 5]");
        assertThatThrownBy(() -> spec.check(Tensor.ofDoubles(new long[] {1, 4}, new double[4])))
                .hasMessage("input 'float_input' must be FP32, got FP64");
        assertThat(spec.hasBatchDimension()).isTrue();
    }

    @Test
    void unknownDatatypeNamesAreInvalidInput() {
        assertThat(DataType.fromName("FP16")).isEqualTo(DataType.FP16);
        assertThatThrownBy(() -> DataType.fromName("FLOAT32")).hasMessageContaining("unknown datatype 'FLOAT32'");
        assertThat(EnumSet.allOf(DataType.class)).hasSize(13);
    }
}
