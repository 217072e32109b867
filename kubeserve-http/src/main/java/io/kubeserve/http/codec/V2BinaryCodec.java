package io.kubeserve.http.codec;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The binary tensor extension's data section: raw little-endian, row-major bytes per tensor, BYTES
 * elements each behind a 4-byte little-endian length. Reading checks every size the client
 * declared against the shape and the bytes actually there; fixed-size tensors are wrapped as
 * slices of the request body, not copied.
 */
final class V2BinaryCodec {

    private V2BinaryCodec() {
    }

    /** Fills the tensors of the inputs that declared binary data, from {@code start} onwards. */
    static void readInputs(ByteBuffer body, int start, List<InputHeader> inputs) {
        long offset = start;
        int end = body.limit();
        for (InputHeader input : inputs) {
            if (input.binarySize < 0) {
                continue;
            }
            long remaining = end - offset;
            if (input.binarySize > remaining) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' declares binary_data_size "
                        + input.binarySize + " but only " + remaining + " bytes of binary data are left in the body");
            }
            ByteBuffer slice = body.slice((int) offset, (int) input.binarySize).order(ByteOrder.LITTLE_ENDIAN);
            input.tensor = input.type == DataType.BYTES
                    ? readStrings(slice, input)
                    : Tensor.of(input.type, input.shape, slice);
            offset += input.binarySize;
        }
        if (offset != end) {
            throw KubeServeException.invalidInput("the body has " + (end - offset) + " bytes after the JSON header"
                    + " and the binary inputs that no input's binary_data_size accounts for");
        }
    }

    /** Checks a fixed-size input's declared byte count against its shape, before any slicing. */
    static void checkSize(InputHeader input) {
        if (input.type == DataType.BYTES) {
            // each element has at least its 4-byte length
            if (input.elementCount > input.binarySize / 4) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' has " + input.elementCount
                        + " BYTES elements, which need at least " + 4L * input.elementCount
                        + " bytes, but binary_data_size is " + input.binarySize);
            }
            return;
        }
        long expected = (long) input.elementCount * input.type.byteSize();
        if (input.binarySize != expected) {
            throw KubeServeException.invalidInput("input '" + input.label() + "' is " + input.type + " with shape "
                    + Arrays.toString(input.shape) + ", which takes " + expected + " bytes, but binary_data_size is "
                    + input.binarySize);
        }
    }

    private static Tensor readStrings(ByteBuffer data, InputHeader input) {
        byte[][] elements = new byte[input.elementCount][];
        for (int i = 0; i < elements.length; i++) {
            if (data.remaining() < 4) {
                throw KubeServeException.invalidInput("input '" + input.label() + "': BYTES element " + i
                        + " has no room for its 4-byte length; its binary data ends after element " + (i - 1));
            }
            int length = data.getInt();
            if (length < 0 || length > data.remaining()) {
                throw KubeServeException.invalidInput("input '" + input.label() + "': BYTES element " + i
                        + " claims " + Integer.toUnsignedLong(length) + " bytes but only " + data.remaining()
                        + " remain in its binary data");
            }
            elements[i] = new byte[length];
            data.get(elements[i]);
        }
        if (data.hasRemaining()) {
            throw KubeServeException.invalidInput("input '" + input.label() + "': " + data.remaining()
                    + " bytes are left after its " + elements.length + " BYTES elements; binary_data_size is "
                    + input.binarySize);
        }
        return Tensor.ofBytes(input.shape, elements);
    }

    /** Bytes a tensor takes in the binary section. */
    static long size(Tensor tensor) {
        if (tensor.type().isFixedSize()) {
            return (long) tensor.size() * tensor.type().byteSize();
        }
        return 4L * tensor.size() + tensor.byteSize();
    }

    static void write(Tensor tensor, ByteSink out) {
        if (tensor.type().isFixedSize()) {
            out.write(tensor.data());
            return;
        }
        for (int i = 0; i < tensor.size(); i++) {
            byte[] element = tensor.getBytes(i);
            out.writeIntLittleEndian(element.length);
            out.write(element, 0, element.length);
        }
    }
}
