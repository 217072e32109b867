package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Float16;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Writes tensor elements as JSON values: flat (V2 {@code data}) or nested by shape (V1 and seed
 * predictions). Unsigned types are written unsigned, FP16 as the float it encodes, BYTES as UTF-8
 * strings (an element that is not UTF-8 text is refused, never altered) and non-finite floats as
 * the strings "NaN", "Infinity", "-Infinity".
 */
final class TensorJsonWriter {

    private TensorJsonWriter() {
    }

    static void writeFlat(JsonGenerator gen, Tensor tensor) throws IOException {
        gen.writeStartArray(tensor, tensor.size());
        writeElements(gen, tensor, 0, tensor.size());
        gen.writeEndArray();
    }

    /** The whole tensor as nested arrays, one level per dimension; a scalar is one value. */
    static void writeNested(JsonGenerator gen, Tensor tensor) throws IOException {
        long[] shape = tensor.shape();
        if (shape.length == 0) {
            writeElements(gen, tensor, 0, 1);
        } else {
            writeNested(gen, tensor, shape, 0, 0, stride(shape, 0));
        }
    }

    /**
     * One row (index along dimension 0) as nested arrays; a row of a single element as that
     * element alone, so a regression row {@code [2.5]} reads as {@code 2.5}.
     */
    static void writeRow(JsonGenerator gen, Tensor tensor, int row) throws IOException {
        long[] shape = tensor.shape();
        if (shape.length == 0) {
            writeElements(gen, tensor, 0, 1);
            return;
        }
        int rowSize = stride(shape, 0);
        if (rowSize == 1) {
            writeElements(gen, tensor, row, 1);
        } else {
            writeNested(gen, tensor, shape, 1, row * rowSize, stride(shape, 1));
        }
    }

    /** One row (index along dimension 0) nested by shape, a one-element row {@code [2.5]} included. */
    static void writeRowNested(JsonGenerator gen, Tensor tensor, int row) throws IOException {
        long[] shape = tensor.shape();
        if (shape.length <= 1) {
            writeElements(gen, tensor, shape.length == 0 ? 0 : row, 1);
        } else {
            writeNested(gen, tensor, shape, 1, row * stride(shape, 0), stride(shape, 1));
        }
    }

    private static void writeNested(JsonGenerator gen, Tensor tensor, long[] shape, int axis, int offset,
                                    int stride) throws IOException {
        int length = (int) shape[axis];
        gen.writeStartArray(tensor, length);
        if (axis == shape.length - 1) {
            writeElements(gen, tensor, offset, length);
        } else {
            int inner = stride(shape, axis + 1);
            for (int i = 0; i < length; i++) {
                writeNested(gen, tensor, shape, axis + 1, offset + i * stride, inner);
            }
        }
        gen.writeEndArray();
    }

    /** Elements in one entry along {@code axis}: the product of the dimensions after it. */
    private static int stride(long[] shape, int axis) {
        long stride = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            stride *= shape[i];
        }
        return (int) stride;
    }

    /** One loop per type so the type switch is paid once per run, not once per element. */
    private static void writeElements(JsonGenerator gen, Tensor t, int from, int count) throws IOException {
        int end = from + count;
        switch (t.type()) {
            case BOOL -> {
                for (int i = from; i < end; i++) {
                    gen.writeBoolean(t.getBoolean(i));
                }
            }
            case UINT8, UINT16, UINT32, INT8, INT16, INT32 -> {
                for (int i = from; i < end; i++) {
                    gen.writeNumber(t.getAsLong(i));
                }
            }
            case INT64 -> {
                for (int i = from; i < end; i++) {
                    gen.writeNumber(t.getLong(i));
                }
            }
            case UINT64 -> {
                for (int i = from; i < end; i++) {
                    long bits = t.getLong(i);
                    if (bits >= 0) {
                        gen.writeNumber(bits);
                    } else {
                        gen.writeNumber(Long.toUnsignedString(bits));
                    }
                }
            }
            case FP16 -> {
                for (int i = from; i < end; i++) {
                    writeFloat(gen, Float16.toFloat(t.getShort(i)));
                }
            }
            case FP32 -> {
                for (int i = from; i < end; i++) {
                    writeFloat(gen, t.getFloat(i));
                }
            }
            case FP64 -> {
                for (int i = from; i < end; i++) {
                    writeDouble(gen, t.getDouble(i));
                }
            }
            case BYTES -> {
                CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
                for (int i = from; i < end; i++) {
                    gen.writeString(text(utf8, t.getBytes(i), i));
                }
            }
        }
    }

    /**
     * A BYTES element as the JSON string it is. JSON strings are UTF-8 text, so an element that is
     * not cannot be written unchanged; it is refused rather than altered (a lenient decode would put
     * U+FFFD in place of its bytes). The binary extension carries any bytes.
     */
    private static String text(CharsetDecoder utf8, byte[] element, int index) {
        try {
            return utf8.decode(ByteBuffer.wrap(element)).toString();
        } catch (CharacterCodingException e) {
            throw KubeServeException.unsupported("BYTES output element " + index + " (" + element.length
                    + " bytes) is not UTF-8 text, so a JSON string cannot carry it unchanged; ask for the output "
                    + "in binary with the V2 binary tensor extension (\"parameters\": {\"binary_data\": true})");
        }
    }

    static void writeFloat(JsonGenerator gen, float value) throws IOException {
        if (Float.isFinite(value)) {
            gen.writeNumber(value);
        } else {
            gen.writeString(nonFinite(value));
        }
    }

    static void writeDouble(JsonGenerator gen, double value) throws IOException {
        if (Double.isFinite(value)) {
            gen.writeNumber(value);
        } else {
            gen.writeString(nonFinite(value));
        }
    }

    private static String nonFinite(double value) {
        return Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    }
}
