package io.kubeserve.engine.python;

import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The binary framing between the server and a Python worker ({@code worker.py} describes it too):
 * little-endian integers; a tensor is its Open Inference Protocol datatype name, rank, dims, then
 * the raw little-endian elements (BYTES: each element length-prefixed). No JSON for tensor data.
 * Stateless.
 */
final class WireFormat {

    /** A request to run the model on the tensors that follow. */
    static final byte OP_PREDICT = 'P';
    /** Load answer: the model's description (JSON) follows. */
    static final byte LOADED = 'M';
    /** Load answer: why the model cannot be loaded follows. */
    static final byte LOAD_FAILED = 'E';
    /** Call answer: the outputs follow. */
    static final byte OK = 0;
    /** Call answer: the model refused the input (a client error); a message follows. */
    static final byte REFUSED = 1;
    /** Call answer: the model failed; a message follows. */
    static final byte FAILED = 2;

    /** Largest frame accepted from a worker: far beyond any answer, small enough to catch a garbled header. */
    private static final int MAX_FRAME = Integer.MAX_VALUE - 16;

    private WireFormat() {
    }

    /** One predict request: the op, the tensor count, each tensor. */
    static byte[] request(Tensor[] inputs) {
        long size = 1 + 4;
        for (Tensor tensor : inputs) {
            size += tensorSize(tensor);
        }
        if (size > MAX_FRAME) {
            throw new IllegalArgumentException("request of " + size + " bytes is too large for one frame");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(OP_PREDICT).putInt(inputs.length);
        for (Tensor tensor : inputs) {
            putTensor(out, tensor);
        }
        return out.array();
    }

    private static long tensorSize(Tensor tensor) {
        long size = 1 + tensor.type().name().length() + 1 + 8L * tensor.rank();
        if (tensor.type() == DataType.BYTES) {
            for (int i = 0; i < tensor.size(); i++) {
                size += 4 + tensor.byteLength(i);
            }
        } else {
            size += tensor.byteSize();
        }
        return size;
    }

    private static void putTensor(ByteBuffer out, Tensor tensor) {
        byte[] name = tensor.type().name().getBytes(StandardCharsets.US_ASCII);
        out.put((byte) name.length).put(name).put((byte) tensor.rank());
        for (long dim : tensor.shape()) {
            out.putLong(dim);
        }
        if (tensor.type() == DataType.BYTES) {
            for (int i = 0; i < tensor.size(); i++) {
                byte[] element = tensor.getBytes(i);
                out.putInt(element.length).put(element);
            }
        } else {
            out.put(tensor.data());
        }
    }

    /** A status byte or op; EOF when the worker has gone. */
    static byte readKind(DataInputStream in) throws IOException {
        int kind = in.read();
        if (kind < 0) {
            throw new EOFException("the worker closed its output");
        }
        return (byte) kind;
    }

    /** A u32 length and that many bytes, as UTF-8 text. */
    static String readText(DataInputStream in) throws IOException {
        return new String(readBlock(in), StandardCharsets.UTF_8);
    }

    static byte[] readBlock(DataInputStream in) throws IOException {
        int length = readInt(in);
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("garbled frame length " + Integer.toUnsignedString(length));
        }
        byte[] block = new byte[length];
        in.readFully(block);
        return block;
    }

    /** The outputs of an {@link #OK} answer, by name in the worker's order. */
    static Map<String, Tensor> readOutputs(DataInputStream in) throws IOException {
        int count = readInt(in);
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] nameBytes = new byte[Short.toUnsignedInt(Short.reverseBytes(in.readShort()))];
            in.readFully(nameBytes);
            outputs.put(new String(nameBytes, StandardCharsets.UTF_8), readTensor(in));
        }
        return outputs;
    }

    private static Tensor readTensor(DataInputStream in) throws IOException {
        byte[] typeName = new byte[in.readUnsignedByte()];
        in.readFully(typeName);
        DataType type;
        try {
            type = DataType.valueOf(new String(typeName, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException("unknown datatype from the worker", e);
        }
        int rank = in.readUnsignedByte();
        long[] shape = new long[rank];
        long count = 1;
        for (int axis = 0; axis < rank; axis++) {
            shape[axis] = Long.reverseBytes(in.readLong());
            if (shape[axis] < 0) {
                throw new IOException("negative dimension from the worker");
            }
            count *= shape[axis];
        }
        if (count > MAX_FRAME) {
            throw new IOException("output of " + count + " elements is too large");
        }
        if (type == DataType.BYTES) {
            byte[][] values = new byte[(int) count][];
            for (int i = 0; i < values.length; i++) {
                values[i] = readBlock(in);
            }
            return Tensor.ofBytes(shape, values);
        }
        long bytes = count * type.byteSize();
        if (bytes > MAX_FRAME) {
            throw new IOException("output of " + bytes + " bytes is too large");
        }
        byte[] data = new byte[(int) bytes];
        in.readFully(data);
        return Tensor.of(type, shape, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
    }

    private static int readInt(DataInputStream in) throws IOException {
        return Integer.reverseBytes(in.readInt());
    }
}
