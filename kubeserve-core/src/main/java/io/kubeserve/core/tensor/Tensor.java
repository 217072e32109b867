package io.kubeserve.core.tensor;

import io.kubeserve.core.error.KubeServeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable tensor: a {@link DataType}, a shape and its elements in row-major order.
 *
 * <p>Fixed-size elements live in one little-endian {@link ByteBuffer}, the layout of the Open
 * Inference Protocol's binary tensor extension, so a binary request can be wrapped without a copy
 * and an engine can hand the bytes to native code in one move. {@link DataType#BYTES} elements
 * are kept as one {@code byte[]} each. No framework type appears here.
 *
 * <p>{@link #of(DataType, long[], ByteBuffer)} does not copy: the caller hands the buffer over and
 * must not change it afterwards. Every accessor returns a fresh view, so a tensor may be read
 * from many threads at once.
 *
 * <p>Shapes are {@code long[]} (one size per dimension, outermost first; {@code []} for a scalar),
 * element indexes are flat row-major {@code int}s from 0 to {@link #size()} - 1, and a tensor holds
 * at most {@link Integer#MAX_VALUE} elements. Everything lives on the Java heap: nothing to close.
 */
public final class Tensor {

    private final DataType type;
    private final long[] shape;
    private final int size;
    private final ByteBuffer data;
    private final byte[][] elements;

    private Tensor(DataType type, long[] shape, int size, ByteBuffer data, byte[][] elements) {
        this.type = type;
        this.shape = shape;
        this.size = size;
        this.data = data;
        this.elements = elements;
    }

    /**
     * Wraps little-endian element bytes (from position to limit) without copying them; the buffer is
     * the tensor's from then on and must not be changed.
     *
     * @param type  a fixed-size datatype
     * @param shape the dimensions; copied
     * @param data  exactly {@code elementCount(shape) * type.byteSize()} bytes between position and limit
     * @return the tensor
     * @throws IllegalArgumentException for {@link DataType#BYTES} (use {@link #ofBytes} or {@link #ofStrings})
     * @throws KubeServeException       {@code INVALID_INPUT} when the byte count does not fit the shape,
     *                                  or the shape is negative or too large
     */
    public static Tensor of(DataType type, long[] shape, ByteBuffer data) {
        if (!type.isFixedSize()) {
            throw new IllegalArgumentException("BYTES tensors are built with ofBytes or ofStrings");
        }
        int size = elementCount(shape);
        long expected = (long) size * type.byteSize();
        if (data.remaining() != expected) {
            throw KubeServeException.invalidInput("a " + type + " tensor of shape " + Arrays.toString(shape)
                    + " needs " + expected + " bytes of data, got " + data.remaining());
        }
        return new Tensor(type, shape.clone(), size, data.slice().order(ByteOrder.LITTLE_ENDIAN), null);
    }

    /**
     * An FP32 tensor holding a copy of {@code values}.
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values the elements in row-major order
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofFloats(long[] shape, float... values) {
        ByteBuffer buffer = allocate(DataType.FP32, values.length);
        buffer.asFloatBuffer().put(values);
        return of(DataType.FP32, shape, buffer);
    }

    /**
     * An FP64 tensor holding a copy of {@code values}.
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values the elements in row-major order
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofDoubles(long[] shape, double... values) {
        ByteBuffer buffer = allocate(DataType.FP64, values.length);
        buffer.asDoubleBuffer().put(values);
        return of(DataType.FP64, shape, buffer);
    }

    /**
     * An INT32 tensor holding a copy of {@code values}.
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values the elements in row-major order
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofInts(long[] shape, int... values) {
        ByteBuffer buffer = allocate(DataType.INT32, values.length);
        buffer.asIntBuffer().put(values);
        return of(DataType.INT32, shape, buffer);
    }

    /**
     * An INT64 tensor holding a copy of {@code values}.
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values the elements in row-major order
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofLongs(long[] shape, long... values) {
        ByteBuffer buffer = allocate(DataType.INT64, values.length);
        buffer.asLongBuffer().put(values);
        return of(DataType.INT64, shape, buffer);
    }

    /**
     * A BOOL tensor holding a copy of {@code values}.
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values the elements in row-major order
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofBooleans(long[] shape, boolean... values) {
        ByteBuffer buffer = allocate(DataType.BOOL, values.length);
        for (boolean value : values) {
            buffer.put(value ? (byte) 1 : (byte) 0);
        }
        return of(DataType.BOOL, shape, buffer.flip());
    }

    /**
     * A BYTES tensor whose elements are the UTF-8 encodings of {@code values}.
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values the strings in row-major order; none may be null
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofStrings(long[] shape, String... values) {
        byte[][] encoded = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            encoded[i] = values[i].getBytes(StandardCharsets.UTF_8);
        }
        return ofBytes(shape, encoded);
    }

    /**
     * A BYTES tensor; the element arrays are taken over, not copied, and must not be changed
     * afterwards (the outer array is copied).
     *
     * @param shape  the dimensions; their product must equal {@code values.length}
     * @param values one byte string per element, in row-major order
     * @return the tensor
     * @throws KubeServeException {@code INVALID_INPUT} when the count does not fit the shape
     */
    public static Tensor ofBytes(long[] shape, byte[][] values) {
        int size = elementCount(shape);
        if (values.length != size) {
            throw KubeServeException.invalidInput("a BYTES tensor of shape " + Arrays.toString(shape)
                    + " needs " + size + " elements, got " + values.length);
        }
        return new Tensor(DataType.BYTES, shape.clone(), size, null, values.clone());
    }

    /**
     * A zeroed little-endian heap buffer for {@code count} elements of a fixed-size type, to fill
     * and hand to {@link #of(DataType, long[], ByteBuffer)}.
     *
     * @param type  a fixed-size datatype
     * @param count number of elements
     * @return a buffer of {@code count * type.byteSize()} bytes, position 0, limit at capacity
     * @throws IllegalArgumentException for {@link DataType#BYTES}
     * @throws ArithmeticException      when the byte count overflows an {@code int}
     */
    public static ByteBuffer allocate(DataType type, int count) {
        if (!type.isFixedSize()) {
            throw new IllegalArgumentException("BYTES has no fixed element size");
        }
        return ByteBuffer.allocate(Math.multiplyExact(count, type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The most dimensions a request's input may have, over either protocol: far beyond any model's
     * inputs, and a bound on how deep a JSON request's data may nest.
     */
    public static final int MAX_REQUEST_RANK = 32;

    /**
     * The number of elements a shape holds. Negative dimensions and totals beyond what one buffer
     * can address are the sender's mistake, reported as invalid input.
     *
     * @param shape the dimensions
     * @return the product of the dimensions; 1 for a scalar ({@code []})
     * @throws KubeServeException {@code INVALID_INPUT} for a negative dimension, a dimension or a
     *         total beyond {@link Integer#MAX_VALUE}
     */
    public static int elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw KubeServeException.invalidInput("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            // each factor at most 2^31 - 1 and the running product too: the next product cannot
            // overflow a long, so a huge shape never wraps around to a small or negative count
            if (dim > Integer.MAX_VALUE) {
                throw KubeServeException.invalidInput("shape " + Arrays.toString(shape) + " is too large: dimension "
                        + dim + " is beyond " + Integer.MAX_VALUE);
            }
            count *= dim;
            if (count > Integer.MAX_VALUE) {
                throw KubeServeException.invalidInput("shape " + Arrays.toString(shape) + " is too large: more than "
                        + Integer.MAX_VALUE + " elements");
            }
        }
        return (int) count;
    }

    /**
     * The element datatype.
     *
     * @return the datatype; never null
     */
    public DataType type() {
        return type;
    }

    /**
     * The dimensions, outermost first.
     *
     * @return a fresh copy of the shape
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The number of dimensions.
     *
     * @return 0 for a scalar, else the length of the shape
     */
    public int rank() {
        return shape.length;
    }

    /**
     * One dimension's size, without copying the shape.
     *
     * @param axis the dimension, from 0
     * @return its size, zero or more
     * @throws ArrayIndexOutOfBoundsException when {@code axis} is not below the rank
     */
    public long dim(int axis) {
        return shape[axis];
    }

    /**
     * The number of elements.
     *
     * @return the product of the dimensions
     */
    public int size() {
        return size;
    }

    /**
     * Bytes the elements take: fixed-size types exactly, BYTES as the sum of element lengths (no
     * length prefixes).
     *
     * @return a size in bytes
     */
    public long byteSize() {
        if (data != null) {
            return data.capacity();
        }
        long total = 0;
        for (byte[] element : elements) {
            total += element.length;
        }
        return total;
    }

    /**
     * A read-only little-endian view of the element bytes, positioned at zero; a new view per call,
     * so callers on different threads do not disturb each other.
     *
     * @return {@link #byteSize()} bytes in row-major order
     * @throws IllegalStateException for a BYTES tensor
     */
    public ByteBuffer data() {
        requireFixed();
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Same tensor data under another shape with the same number of elements; shares the storage,
     * copies nothing.
     *
     * @param newShape the new dimensions
     * @return a tensor over the same elements
     * @throws KubeServeException {@code INVALID_INPUT} when the element counts differ
     */
    public Tensor reshape(long... newShape) {
        if (elementCount(newShape) != size) {
            throw KubeServeException.invalidInput("cannot reshape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape));
        }
        return new Tensor(type, newShape.clone(), size, data, elements);
    }

    /**
     * One element of a FP32 tensor, as stored (raw bits for unsigned types). The type is not
     * checked: on a tensor of another fixed size type this reads 4 raw bytes at {@code index * 4}.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public float getFloat(int index) {
        return data.getFloat(index * 4);
    }

    /**
     * One element of a FP64 tensor, as stored (raw bits for unsigned types). The type is not
     * checked: on a tensor of another fixed size type this reads 8 raw bytes at {@code index * 8}.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public double getDouble(int index) {
        return data.getDouble(index * 8);
    }

    /**
     * One element of a INT64 or UINT64 tensor, as stored (raw bits for unsigned types). The type is not
     * checked: on a tensor of another fixed size type this reads 8 raw bytes at {@code index * 8}.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public long getLong(int index) {
        return data.getLong(index * 8);
    }

    /**
     * One element of a INT32 or UINT32 tensor, as stored (raw bits for unsigned types). The type is not
     * checked: on a tensor of another fixed size type this reads 4 raw bytes at {@code index * 4}.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public int getInt(int index) {
        return data.getInt(index * 4);
    }

    /**
     * One element of a INT16, UINT16 or FP16 tensor, as stored (raw bits for unsigned types). The type is not
     * checked: on a tensor of another fixed size type this reads 2 raw bytes at {@code index * 2}.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public short getShort(int index) {
        return data.getShort(index * 2);
    }

    /**
     * One element of a INT8 or UINT8 tensor, as stored (raw bits for unsigned types). The type is not
     * checked: on a tensor of another fixed size type this reads 1 raw bytes at {@code index * 1}.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public byte getByte(int index) {
        return data.get(index);
    }

    /**
     * One element of a BOOL tensor: any non-zero byte is true. The type is not checked.
     *
     * @param index flat row-major element index
     * @return the element
     * @throws IndexOutOfBoundsException when the index is past the data
     */
    public boolean getBoolean(int index) {
        return data.get(index) != 0;
    }

    /**
     * A copy of one BYTES element.
     *
     * @param index flat row-major element index
     * @return a fresh copy of the element's bytes
     * @throws IllegalStateException when this is not a BYTES tensor
     * @throws ArrayIndexOutOfBoundsException when the index is not below {@link #size()}
     */
    public byte[] getBytes(int index) {
        requireBytes();
        return elements[index].clone();
    }

    /**
     * One BYTES element decoded as UTF-8.
     *
     * @param index flat row-major element index
     * @return the decoded text; malformed UTF-8 becomes U+FFFD
     * @throws IllegalStateException when this is not a BYTES tensor
     * @throws ArrayIndexOutOfBoundsException when the index is not below {@link #size()}
     */
    public String getString(int index) {
        requireBytes();
        return new String(elements[index], StandardCharsets.UTF_8);
    }

    /**
     * Length of one BYTES element, without copying it.
     *
     * @param index flat row-major element index
     * @return the element's length in bytes
     * @throws IllegalStateException when this is not a BYTES tensor
     * @throws ArrayIndexOutOfBoundsException when the index is not below {@link #size()}
     */
    public int byteLength(int index) {
        requireBytes();
        return elements[index].length;
    }

    /**
     * Any numeric or boolean element widened to double, honouring unsigned types and FP16 (BOOL
     * gives 0 or 1). INT64 and UINT64 beyond 2^53 lose precision.
     *
     * @param index flat row-major element index
     * @return the element's value
     * @throws KubeServeException {@code INVALID_INPUT} for a BYTES tensor
     */
    public double getAsDouble(int index) {
        return switch (type) {
            case BOOL -> getBoolean(index) ? 1 : 0;
            case UINT8 -> Byte.toUnsignedInt(getByte(index));
            case UINT16 -> Short.toUnsignedInt(getShort(index));
            case UINT32 -> Integer.toUnsignedLong(getInt(index));
            case UINT64 -> unsignedToDouble(getLong(index));
            case INT8 -> getByte(index);
            case INT16 -> getShort(index);
            case INT32 -> getInt(index);
            case INT64 -> getLong(index);
            case FP16 -> Float16.toFloat(getShort(index));
            case FP32 -> getFloat(index);
            case FP64 -> getDouble(index);
            case BYTES -> throw KubeServeException.invalidInput("a BYTES tensor has no numeric value");
        };
    }

    /**
     * Any integer or boolean element as a long (UINT64 keeps its bits); floats are truncated
     * toward zero (NaN gives 0).
     *
     * @param index flat row-major element index
     * @return the element's value
     * @throws KubeServeException {@code INVALID_INPUT} for a BYTES tensor
     */
    public long getAsLong(int index) {
        return switch (type) {
            case BOOL -> getBoolean(index) ? 1 : 0;
            case UINT8 -> Byte.toUnsignedInt(getByte(index));
            case UINT16 -> Short.toUnsignedInt(getShort(index));
            case UINT32 -> Integer.toUnsignedLong(getInt(index));
            case UINT64, INT64 -> getLong(index);
            case INT8 -> getByte(index);
            case INT16 -> getShort(index);
            case INT32 -> getInt(index);
            case FP16, FP32, FP64 -> (long) getAsDouble(index);
            case BYTES -> throw KubeServeException.invalidInput("a BYTES tensor has no numeric value");
        };
    }

    /**
     * Every element as a float, widened or narrowed as {@link #getAsDouble} reads it.
     *
     * @return a new array of {@link #size()} floats in row-major order
     * @throws KubeServeException {@code INVALID_INPUT} for a BYTES tensor
     */
    public float[] toFloatArray() {
        if (type == DataType.FP32) {
            float[] out = new float[size];
            data.asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) getAsDouble(i);
        }
        return out;
    }

    /**
     * Every element as a long, as {@link #getAsLong} reads it.
     *
     * @return a new array of {@link #size()} longs in row-major order
     * @throws KubeServeException {@code INVALID_INPUT} for a BYTES tensor
     */
    public long[] toLongArray() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = getAsLong(i);
        }
        return out;
    }

    /**
     * All BYTES elements decoded as UTF-8.
     *
     * @return a new array of {@link #size()} strings in row-major order
     * @throws IllegalStateException when this is not a BYTES tensor
     */
    public String[] toStringArray() {
        requireBytes();
        String[] out = new String[size];
        for (int i = 0; i < size; i++) {
            out[i] = new String(elements[i], StandardCharsets.UTF_8);
        }
        return out;
    }

    private static double unsignedToDouble(long bits) {
        double value = (double) (bits >>> 1) * 2.0;
        return value + (bits & 1);
    }

    private void requireFixed() {
        if (data == null) {
            throw new IllegalStateException("a BYTES tensor has no fixed-size data buffer");
        }
    }

    private void requireBytes() {
        if (elements == null) {
            throw new IllegalStateException("not a BYTES tensor: " + type);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Tensor that)) {
            return false;
        }
        if (type != that.type || !Arrays.equals(shape, that.shape)) {
            return false;
        }
        return data != null ? data.equals(that.data) : Arrays.deepEquals(elements, that.elements);
    }

    @Override
    public int hashCode() {
        int result = 31 * type.hashCode() + Arrays.hashCode(shape);
        return 31 * result + (data != null ? data.hashCode() : Arrays.deepHashCode(elements));
    }

    @Override
    public String toString() {
        return "Tensor[" + type + " " + Arrays.toString(shape) + "]";
    }
}
