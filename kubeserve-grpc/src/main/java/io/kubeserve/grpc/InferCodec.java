package io.kubeserve.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.error.SharedMemory;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.grpc.v2.InferParameter;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts between the protocol's messages and the core's {@link InferenceRequest} and
 * {@link InferenceResponse}.
 *
 * <p>Requests carry each input's elements either typed, in the {@code contents} field of its
 * datatype, or raw, as one {@code raw_input_contents} entry per input: little-endian, row-major,
 * a BYTES element as a 4-byte little-endian length and its bytes. A request uses one form for all
 * its inputs. Raw fixed-size inputs are wrapped, not copied. The response uses the form the
 * request used, unless the request parameter {@code binary_data_output} (bool) asks for raw
 * ({@code true}) or typed ({@code false}) outputs; raw fixed-size outputs wrap the output tensors'
 * buffers without a copy. Every problem with a request is an {@code INVALID_INPUT} whose message
 * names the input; a tensor in shared memory (Triton's extensions, which KubeServe does not
 * implement) is {@code UNSUPPORTED}. Stateless and thread-safe.
 */
final class InferCodec {

    /** The request parameter that chooses raw (true) or typed (false) outputs. */
    static final String RAW_OUTPUT_PARAMETER = "binary_data_output";

    /** A decoded request and the form its answer takes. */
    record Decoded(InferenceRequest request, boolean rawOutputs) {
    }

    private InferCodec() {
    }

    /**
     * @param timeout the request's own timeout ({@link InferenceRequest#timeout()}), or null for none
     */
    static Decoded decode(ModelInferRequest message, Duration timeout) {
        int count = message.getInputsCount();
        int rawCount = message.getRawInputContentsCount();
        if (count == 0) {
            throw KubeServeException.invalidInput("the request has no inputs");
        }
        // first: a Triton client sends raw_input_contents only for the inputs not in shared memory
        for (ModelInferRequest.InferInputTensor input : message.getInputsList()) {
            if (input.containsParameters(SharedMemory.PARAMETER)) {
                throw SharedMemory.input(input.getName(), "contents or raw_input_contents");
            }
        }
        if (rawCount > 0 && rawCount != count) {
            throw KubeServeException.invalidInput("raw_input_contents has " + rawCount + " entries for " + count
                    + " inputs; send one entry per input, in input order");
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            ModelInferRequest.InferInputTensor input = message.getInputs(i);
            String name = input.getName();
            if (name.isEmpty()) {
                throw KubeServeException.invalidInput("input " + i + " has no name");
            }
            if (inputs.containsKey(name)) {
                throw KubeServeException.invalidInput("input '" + name + "' is given twice");
            }
            DataType type;
            try {
                type = DataType.fromName(input.getDatatype());
            } catch (KubeServeException e) {
                throw KubeServeException.invalidInput("input '" + name + "': " + e.getMessage());
            }
            long[] shape = shapeOf(input);
            int elements = elementCount(name, shape);
            Tensor tensor;
            if (rawCount > 0) {
                if (input.hasContents() && !isEmpty(input.getContents())) {
                    throw KubeServeException.invalidInput("input '" + name + "' has both typed contents and "
                            + "raw_input_contents; use one or the other");
                }
                tensor = raw(name, type, shape, elements, message.getRawInputContents(i));
            } else {
                tensor = typed(name, type, shape, elements, input.getContents());
            }
            inputs.put(name, tensor);
        }
        List<String> outputs = new ArrayList<>(message.getOutputsCount());
        Set<String> requested = message.getOutputsCount() > 1 ? new HashSet<>() : null;
        for (ModelInferRequest.InferRequestedOutputTensor output : message.getOutputsList()) {
            if (output.containsParameters(SharedMemory.PARAMETER)) {
                throw SharedMemory.output(output.getName());
            }
            if (requested != null && !requested.add(output.getName())) {
                throw KubeServeException.invalidInput("output '" + output.getName() + "' is requested more than once");
            }
            outputs.add(output.getName());
        }
        String id = message.getId().isEmpty() ? null : message.getId();
        boolean raw = rawCount > 0;
        InferParameter choice = message.getParametersMap().get(RAW_OUTPUT_PARAMETER);
        if (choice != null) {
            if (choice.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
                throw KubeServeException.invalidInput("parameter '" + RAW_OUTPUT_PARAMETER + "' must be a bool_param");
            }
            raw = choice.getBoolParam();
        }
        return new Decoded(new InferenceRequest(id, inputs, outputs, timeout), raw);
    }

    static ModelInferResponse encode(InferenceResponse response, boolean rawOutputs) {
        ModelInferResponse.Builder out = ModelInferResponse.newBuilder()
                .setModelName(response.modelName());
        if (response.modelVersion() != null) {
            out.setModelVersion(response.modelVersion());
        }
        if (response.id() != null) {
            out.setId(response.id());
        }
        for (Map.Entry<String, Tensor> entry : response.outputs().entrySet()) {
            Tensor tensor = entry.getValue();
            ModelInferResponse.InferOutputTensor.Builder output = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(entry.getKey())
                    .setDatatype(tensor.type().name());
            for (long dim : tensor.shape()) {
                output.addShape(dim);
            }
            if (rawOutputs) {
                out.addRawOutputContents(rawBytes(tensor));
            } else {
                output.setContents(contents(tensor));
            }
            out.addOutputs(output);
        }
        return out.build();
    }

    // ---- inputs ----------------------------------------------------------------------------

    private static int elementCount(String name, long[] shape) {
        try {
            return Tensor.elementCount(shape);
        } catch (KubeServeException e) {
            throw KubeServeException.invalidInput("input '" + name + "': " + e.getMessage());
        }
    }

    private static Tensor raw(String name, DataType type, long[] shape, int elements, ByteString bytes) {
        if (type.isFixedSize()) {
            long expected = (long) elements * type.byteSize();
            if (bytes.size() != expected) {
                throw KubeServeException.invalidInput("raw_input_contents of input '" + name + "' has " + bytes.size()
                        + " bytes; a " + type + " tensor of shape " + Arrays.toString(shape) + " needs " + expected
                        + " (" + elements + " elements of " + type.byteSize() + " bytes)");
            }
            return Tensor.of(type, shape, bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
        }
        ByteBuffer buffer = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        // every element takes at least its 4-byte length: refuse a shape the bytes cannot hold before
        // making room for its elements
        if (elements > buffer.remaining() / 4) {
            throw KubeServeException.invalidInput("raw_input_contents of BYTES input '" + name + "' has "
                    + buffer.remaining() + " bytes, too few for the " + elements + " elements of shape "
                    + Arrays.toString(shape) + ": each element is a 4-byte little-endian length and its bytes");
        }
        byte[][] values = new byte[elements][];
        for (int i = 0; i < elements; i++) {
            if (buffer.remaining() < 4) {
                throw KubeServeException.invalidInput("raw_input_contents of BYTES input '" + name + "' ends before "
                        + "element " + i + " of " + elements + "; each element is a 4-byte little-endian length "
                        + "and its bytes");
            }
            int length = buffer.getInt();
            if (length < 0 || length > buffer.remaining()) {
                throw KubeServeException.invalidInput("raw_input_contents of BYTES input '" + name + "': element " + i
                        + " claims " + Integer.toUnsignedString(length) + " bytes but " + buffer.remaining()
                        + " remain");
            }
            values[i] = new byte[length];
            buffer.get(values[i]);
        }
        if (buffer.hasRemaining()) {
            throw KubeServeException.invalidInput("raw_input_contents of BYTES input '" + name + "' has "
                    + buffer.remaining() + " bytes after its " + elements + " elements of shape "
                    + Arrays.toString(shape));
        }
        return Tensor.ofBytes(shape, values);
    }

    /** The name of the contents field that holds elements of {@code type}; null for FP16. */
    static String fieldOf(DataType type) {
        return switch (type) {
            case BOOL -> "bool_contents";
            case INT8, INT16, INT32 -> "int_contents";
            case INT64 -> "int64_contents";
            case UINT8, UINT16, UINT32 -> "uint_contents";
            case UINT64 -> "uint64_contents";
            case FP32 -> "fp32_contents";
            case FP64 -> "fp64_contents";
            case BYTES -> "bytes_contents";
            case FP16 -> null;
        };
    }

    private static Tensor typed(String name, DataType type, long[] shape, int elements, InferTensorContents contents) {
        String field = fieldOf(type);
        if (field == null) {
            throw KubeServeException.invalidInput("input '" + name + "' is FP16, which has no typed contents field; "
                    + "send it in raw_input_contents");
        }
        int[] counts = counts(contents);
        int given = 0;
        for (int f = 0; f < CONTENTS_FIELDS.length; f++) {
            if (CONTENTS_FIELDS[f].equals(field)) {
                given = counts[f];
            } else if (counts[f] > 0) {
                throw KubeServeException.invalidInput("input '" + name + "' is " + type + ", whose elements go in "
                        + field + ", but the request has " + CONTENTS_FIELDS[f]);
            }
        }
        if (given != elements) {
            throw KubeServeException.invalidInput("input '" + name + "' of shape " + Arrays.toString(shape) + " needs "
                    + elements + " elements in " + field + ", got " + given);
        }
        if (type == DataType.BYTES) {
            byte[][] values = new byte[elements][];
            for (int i = 0; i < elements; i++) {
                values[i] = contents.getBytesContents(i).toByteArray();
            }
            return Tensor.ofBytes(shape, values);
        }
        ByteBuffer buffer = Tensor.allocate(type, elements);
        for (int i = 0; i < elements; i++) {
            switch (type) {
                case BOOL -> buffer.put(contents.getBoolContents(i) ? (byte) 1 : (byte) 0);
                case INT8 -> buffer.put((byte) inRange(name, contents.getIntContents(i), Byte.MIN_VALUE, Byte.MAX_VALUE,
                        type));
                case INT16 -> buffer.putShort((short) inRange(name, contents.getIntContents(i), Short.MIN_VALUE,
                        Short.MAX_VALUE, type));
                case INT32 -> buffer.putInt(contents.getIntContents(i));
                case INT64 -> buffer.putLong(contents.getInt64Contents(i));
                case UINT8 -> buffer.put((byte) inRange(name, Integer.toUnsignedLong(contents.getUintContents(i)), 0, 0xFF,
                        type));
                case UINT16 -> buffer.putShort((short) inRange(name, Integer.toUnsignedLong(contents.getUintContents(i)),
                        0, 0xFFFF, type));
                case UINT32 -> buffer.putInt(contents.getUintContents(i));
                case UINT64 -> buffer.putLong(contents.getUint64Contents(i));
                case FP32 -> buffer.putFloat(contents.getFp32Contents(i));
                case FP64 -> buffer.putDouble(contents.getFp64Contents(i));
                default -> throw new IllegalStateException("no typed contents for " + type);
            }
        }
        return Tensor.of(type, shape, buffer.flip());
    }

    private static long inRange(String name, long value, long min, long max, DataType type) {
        if (value < min || value > max) {
            throw KubeServeException.invalidInput("input '" + name + "' is " + type + " but holds " + value
                    + ", outside " + min + ".." + max);
        }
        return value;
    }

    /** The contents fields in the order {@link #counts} counts them. */
    private static final String[] CONTENTS_FIELDS = {"bool_contents", "int_contents", "int64_contents",
        "uint_contents", "uint64_contents", "fp32_contents", "fp64_contents", "bytes_contents"};

    private static int[] counts(InferTensorContents c) {
        return new int[] {c.getBoolContentsCount(), c.getIntContentsCount(), c.getInt64ContentsCount(),
            c.getUintContentsCount(), c.getUint64ContentsCount(), c.getFp32ContentsCount(), c.getFp64ContentsCount(),
            c.getBytesContentsCount()};
    }

    private static boolean isEmpty(InferTensorContents contents) {
        for (int count : counts(contents)) {
            if (count > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The input's shape, read element by element (no boxed list); at most
     * {@value Tensor#MAX_REQUEST_RANK} dimensions, as over REST.
     */
    private static long[] shapeOf(ModelInferRequest.InferInputTensor input) {
        if (input.getShapeCount() > Tensor.MAX_REQUEST_RANK) {
            throw KubeServeException.invalidInput("input '" + input.getName() + "': shape has more than "
                    + Tensor.MAX_REQUEST_RANK + " dimensions");
        }
        long[] out = new long[input.getShapeCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = input.getShape(i);
        }
        return out;
    }

    // ---- outputs ---------------------------------------------------------------------------

    /**
     * A tensor's elements as one raw contents entry: fixed-size types wrap the tensor's own buffer
     * (read-only, little-endian, no copy); BYTES elements are each written after their length.
     */
    static ByteString rawBytes(Tensor tensor) {
        if (tensor.type().isFixedSize()) {
            return UnsafeByteOperations.unsafeWrap(tensor.data());
        }
        int size = tensor.size();
        long total = 4L * size + tensor.byteSize();
        if (total > Integer.MAX_VALUE - 8) {
            throw KubeServeException.internal("a BYTES output of " + total + " bytes does not fit a message", null);
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i++) {
            out.putInt(tensor.byteLength(i));
            out.put(tensor.getBytes(i));
        }
        return UnsafeByteOperations.unsafeWrap(out.array());
    }

    /** A tensor's elements in the contents field of its datatype; FP16, which has none, is UNSUPPORTED. */
    static InferTensorContents contents(Tensor tensor) {
        InferTensorContents.Builder out = InferTensorContents.newBuilder();
        int size = tensor.size();
        switch (tensor.type()) {
            case BOOL -> {
                for (int i = 0; i < size; i++) {
                    out.addBoolContents(tensor.getBoolean(i));
                }
            }
            case INT8, INT16, INT32 -> {
                for (int i = 0; i < size; i++) {
                    out.addIntContents((int) tensor.getAsLong(i));
                }
            }
            case INT64 -> {
                for (int i = 0; i < size; i++) {
                    out.addInt64Contents(tensor.getLong(i));
                }
            }
            case UINT8, UINT16, UINT32 -> {
                for (int i = 0; i < size; i++) {
                    out.addUintContents((int) tensor.getAsLong(i));
                }
            }
            case UINT64 -> {
                for (int i = 0; i < size; i++) {
                    out.addUint64Contents(tensor.getLong(i));
                }
            }
            case FP16 -> throw KubeServeException.unsupported("an FP16 output has no typed contents field; ask for "
                    + "raw outputs (parameter " + RAW_OUTPUT_PARAMETER + "=true)");
            case FP32 -> {
                for (int i = 0; i < size; i++) {
                    out.addFp32Contents(tensor.getFloat(i));
                }
            }
            case FP64 -> {
                for (int i = 0; i < size; i++) {
                    out.addFp64Contents(tensor.getDouble(i));
                }
            }
            case BYTES -> {
                for (int i = 0; i < size; i++) {
                    out.addBytesContents(UnsafeByteOperations.unsafeWrap(tensor.getBytes(i)));
                }
            }
            default -> throw new IllegalStateException("unknown datatype " + tensor.type());
        }
        return out.build();
    }
}
