package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Float16;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Tensor elements read one JSON value at a time, checked against the datatype and stored in the
 * tensor's own layout: little-endian bytes, or one UTF-8 array per BYTES element. No element is
 * boxed. The buffer either has its final size up front (shape known) or grows up to a cap.
 */
final class ElementBuffer {

    private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);

    private final DataType type;
    private final String input;
    private final int maxElements;
    private ByteBuffer fixed;
    private byte[][] strings;
    private int count;

    private ElementBuffer(DataType type, String input, int capacity, int maxElements) {
        this.type = type;
        this.input = input;
        this.maxElements = maxElements;
        if (type.isFixedSize()) {
            fixed = ByteBuffer.allocate(bytesFor(capacity)).order(ByteOrder.LITTLE_ENDIAN);
        } else {
            strings = new byte[capacity][];
        }
    }

    /** Room for exactly {@code count} elements; the caller has already bounded it. */
    static ElementBuffer exact(DataType type, String input, int count) {
        return new ElementBuffer(type, input, count, count);
    }

    /** Starts small and grows as values come, never beyond {@code maxElements}. */
    static ElementBuffer growable(DataType type, String input, int maxElements) {
        return new ElementBuffer(type, input, Math.min(maxElements, 256), maxElements);
    }

    int count() {
        return count;
    }

    /** The elements read so far as a tensor of {@code shape}. */
    Tensor toTensor(long[] shape) {
        if (fixed != null) {
            return Tensor.of(type, shape, fixed.flip());
        }
        return Tensor.ofBytes(shape, count == strings.length ? strings : Arrays.copyOf(strings, count));
    }

    /** Reads the scalar under the parser as the next element. */
    void add(JsonParser p) throws IOException {
        if (count == capacity()) {
            grow();
        }
        JsonToken token = p.currentToken();
        switch (type) {
            case BOOL -> fixed.put(bool(p, token));
            case UINT8 -> fixed.put((byte) integer(p, token, 0, 0xff));
            case UINT16 -> fixed.putShort((short) integer(p, token, 0, 0xffff));
            case UINT32 -> fixed.putInt((int) integer(p, token, 0, 0xffff_ffffL));
            case UINT64 -> fixed.putLong(unsigned64(p, token));
            case INT8 -> fixed.put((byte) integer(p, token, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case INT16 -> fixed.putShort((short) integer(p, token, Short.MIN_VALUE, Short.MAX_VALUE));
            case INT32 -> fixed.putInt((int) integer(p, token, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case INT64 -> fixed.putLong(integer(p, token, Long.MIN_VALUE, Long.MAX_VALUE));
            case FP16 -> fixed.putShort(half(p, token));
            case FP32 -> fixed.putFloat(single(p, token));
            case FP64 -> fixed.putDouble(number(p, token));
            case BYTES -> strings[count] = string(p, token);
        }
        count++;
    }

    private int capacity() {
        return fixed != null ? fixed.capacity() / type.byteSize() : strings.length;
    }

    private void grow() {
        if (count >= maxElements) {
            throw KubeServeException.invalidInput("input '" + input + "' has more than " + maxElements
                    + " elements, more than the request body can hold");
        }
        int capacity = (int) Math.min(maxElements, Math.max(16L, 2L * count));
        if (fixed != null) {
            ByteBuffer larger = ByteBuffer.allocate(bytesFor(capacity)).order(ByteOrder.LITTLE_ENDIAN);
            fixed = larger.put(fixed.flip());
        } else {
            strings = Arrays.copyOf(strings, capacity);
        }
    }

    private int bytesFor(int elements) {
        long bytes = (long) elements * type.byteSize();
        if (bytes > Integer.MAX_VALUE - 8) {
            throw KubeServeException.invalidInput("input '" + input + "': " + elements + " " + type
                    + " elements take more than 2 GiB; send fewer rows per request");
        }
        return (int) bytes;
    }

    private byte bool(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_TRUE) {
            return 1;
        }
        if (token == JsonToken.VALUE_FALSE) {
            return 0;
        }
        throw wrongKind(p, "true or false");
    }

    private long integer(JsonParser p, JsonToken token, long min, long max) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw wrongKind(p, "an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw outOfRange(p, min + ".." + max);
        }
        long value = p.getLongValue();
        if (value < min || value > max) {
            throw outOfRange(p, min + ".." + max);
        }
        return value;
    }

    private long unsigned64(JsonParser p, JsonToken token) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw wrongKind(p, "an integer");
        }
        if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            long value = p.getLongValue();
            if (value < 0) {
                throw outOfRange(p, "0..18446744073709551615");
            }
            return value;
        }
        // only values past Long.MAX_VALUE get here, so the BigInteger is rare
        BigInteger value = p.getBigIntegerValue();
        if (value.signum() < 0 || value.compareTo(UINT64_LIMIT) >= 0) {
            throw outOfRange(p, "0..18446744073709551615");
        }
        return value.longValue();
    }

    private double number(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            double value = p.getDoubleValue();
            if (Double.isInfinite(value)) {
                throw outOfRange(p, "a finite " + type + " value");
            }
            return value;
        }
        if (token == JsonToken.VALUE_STRING) {
            switch (p.getText()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw wrongKind(p, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
    }

    private float single(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            // parsed as a float directly: going through double could round twice
            float value = p.getFloatValue();
            if (Float.isInfinite(value)) {
                throw outOfRange(p, "+-" + Float.MAX_VALUE);
            }
            return value;
        }
        return (float) number(p, token);
    }

    private short half(JsonParser p, JsonToken token) throws IOException {
        float value = single(p, token);
        short bits = Float16.fromFloat(value);
        if ((bits & 0x7fff) == 0x7c00 && !Float.isInfinite(value)) {
            throw outOfRange(p, "+-65504");
        }
        return bits;
    }

    private byte[] string(JsonParser p, JsonToken token) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw wrongKind(p, "a string");
        }
        return p.getText().getBytes(StandardCharsets.UTF_8);
    }

    private KubeServeException wrongKind(JsonParser p, String expected) throws IOException {
        return KubeServeException.invalidInput("input '" + input + "' is " + type + " but element " + count
                + " is " + Json.describe(p) + "; expected " + expected);
    }

    private KubeServeException outOfRange(JsonParser p, String range) throws IOException {
        return KubeServeException.invalidInput("input '" + input + "' is " + type + " but element " + count
                + " is " + Json.describe(p) + ", out of range (" + range + ")");
    }
}
