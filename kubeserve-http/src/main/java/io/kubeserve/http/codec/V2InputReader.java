package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.error.SharedMemory;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one entry of a V2 request's {@code inputs}: name, datatype, shape, parameters and data.
 * Sizes are settled before anything is allocated: the shape must be non-negative, hold at most
 * {@code Integer.MAX_VALUE} elements and, for JSON data, no more than the body could spell out.
 */
final class V2InputReader {

    private V2InputReader() {
    }

    /**
     * Reads the input object under the parser; {@code jsonLength} is the length of the JSON the
     * parser reads, which bounds how many elements a {@code data} array in it can hold.
     */
    static void read(JsonParser p, InputHeader input, int jsonLength) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw KubeServeException.invalidInput("input #" + input.index + " must be an object, got "
                    + Json.describe(p));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> input.name = string(p, input, "\"name\"");
                case "datatype" -> {
                    input.type = datatype(string(p, input, "\"datatype\""), input);
                }
                case "shape" -> input.shape = shape(p, input);
                case "parameters" -> readParameters(p, input);
                case "data" -> {
                    input.hasData = true;
                    long offset = p.currentTokenLocation().getByteOffset();
                    if (input.type != null && input.shape != null && input.name != null) {
                        input.elementCount = jsonElementCount(input, offset, jsonLength);
                        input.tensor = TensorDataReader.readShaped(p, input.name, input.type, input.shape,
                                input.elementCount);
                    } else {
                        input.deferredDataOffset = offset;
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        finish(input, jsonLength);
    }

    /**
     * Each element takes at least one byte and a separator, so an array starting at {@code offset}
     * holds at most half the bytes after it: checked before allocating, so a shape of [1e5, 1e5]
     * in a small body costs nothing.
     */
    private static int jsonElementCount(InputHeader input, long offset, int jsonLength) {
        int count = elementCount(input);
        long bytesLeft = jsonLength - offset;
        if (count > bytesLeft / 2) {
            throw tooLarge(input, count + " elements cannot fit in the " + bytesLeft + " bytes of JSON from its"
                    + " \"data\" to the end of the body");
        }
        return count;
    }

    private static void finish(InputHeader input, int jsonLength) {
        if (input.name == null || input.name.isEmpty()) {
            throw KubeServeException.invalidInput("input #" + input.index + " has no \"name\"");
        }
        if (input.type == null) {
            throw KubeServeException.invalidInput("input '" + input.name + "' has no \"datatype\"");
        }
        if (input.shape == null) {
            throw KubeServeException.invalidInput("input '" + input.name + "' has no \"shape\"");
        }
        if (input.hasData && input.binarySize >= 0) {
            throw KubeServeException.invalidInput("input '" + input.name + "' has both \"data\" and binary_data_size;"
                    + " send its data one way only");
        }
        if (!input.hasData && input.binarySize < 0) {
            throw KubeServeException.invalidInput("input '" + input.name + "' has no \"data\" (nor binary_data_size"
                    + " for the binary extension)");
        }
        if (input.binarySize >= 0) {
            input.elementCount = elementCount(input);
            V2BinaryCodec.checkSize(input);
        } else if (input.tensor == null) {
            input.elementCount = jsonElementCount(input, input.deferredDataOffset, jsonLength);
        }
    }

    /** Messages are built only on failure: this runs for every input of every request. */
    private static String string(JsonParser p, InputHeader input, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw KubeServeException.invalidInput("input '" + input.label() + "' " + field + " must be a string, got "
                    + Json.describe(p));
        }
        return p.getText();
    }

    private static long binarySize(JsonParser p, InputHeader input) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
            throw KubeServeException.invalidInput("input '" + input.label() + "' binary_data_size must be a"
                    + " non-negative integer, got " + Json.describe(p));
        }
        return p.getLongValue();
    }

    private static DataType datatype(String name, InputHeader input) {
        try {
            return DataType.fromName(name);
        } catch (KubeServeException e) {
            throw KubeServeException.invalidInput("input '" + input.label() + "': " + e.getMessage());
        }
    }

    private static long[] shape(JsonParser p, InputHeader input) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw KubeServeException.invalidInput("input '" + input.label() + "' \"shape\" must be an array of"
                    + " dimensions, got " + Json.describe(p));
        }
        long[] dims = new long[4];
        int rank = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (rank == Json.MAX_RANK) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' \"shape\" has more than "
                        + Json.MAX_RANK + " dimensions");
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' \"shape\" must hold integers,"
                        + " got " + Json.describe(p));
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' \"shape\" has a dimension too"
                        + " large: " + Json.describe(p));
            }
            long dim = p.getLongValue();
            if (dim < 0) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' \"shape\" has a negative"
                        + " dimension " + dim + "; a request must give actual sizes");
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, 2 * rank);
            }
            dims[rank++] = dim;
        }
        return Arrays.copyOf(dims, rank);
    }

    /** Elements the shape holds, refused beyond what one tensor can index ({@link Tensor#elementCount}). */
    static int elementCount(InputHeader input) {
        try {
            return Tensor.elementCount(input.shape);
        } catch (KubeServeException e) {
            throw KubeServeException.invalidInput("input '" + input.label() + "': " + e.getMessage());
        }
    }

    private static KubeServeException tooLarge(InputHeader input, String why) {
        return KubeServeException.invalidInput("input '" + input.label() + "' has shape "
                + Arrays.toString(input.shape) + ": " + why);
    }

    private static void readParameters(JsonParser p, InputHeader input) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw KubeServeException.invalidInput("input '" + input.label() + "' \"parameters\" must be an object,"
                    + " got " + Json.describe(p));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("binary_data_size")) {
                input.binarySize = binarySize(p, input);
            } else if (field.equals(SharedMemory.PARAMETER)) {
                throw SharedMemory.input(input.label(), "\"data\" or with the binary tensor data extension");
            } else {
                p.skipChildren();
            }
        }
    }
}
