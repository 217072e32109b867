package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a JSON array of tensor elements, flat or nested row-major, into a {@link Tensor}. With a
 * declared shape every array length is checked against it as it is read, so a lying request fails
 * at the first wrong bracket and never writes past the buffer; without one (KServe V1 instances)
 * the shape is taken from the nesting, which must be rectangular.
 */
final class TensorDataReader {

    private TensorDataReader() {
    }

    /**
     * Reads the array under the parser for a tensor of {@code shape} with {@code count} elements,
     * a count the caller has already bounded by the body size.
     */
    static Tensor readShaped(JsonParser p, String input, DataType type, long[] shape, int count) throws IOException {
        requireArray(p, input);
        ElementBuffer elements = ElementBuffer.exact(type, input, count);
        JsonToken token = p.nextToken();
        if (token == JsonToken.START_ARRAY) {
            readNested(p, input, shape, elements);
        } else {
            readFlat(p, input, shape, count, elements);
        }
        return elements.toTensor(shape);
    }

    private static void readFlat(JsonParser p, String input, long[] shape, int count, ElementBuffer elements)
            throws IOException {
        for (JsonToken token = p.currentToken(); token != JsonToken.END_ARRAY; token = p.nextToken()) {
            if (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) {
                throw KubeServeException.invalidInput("input '" + input + "': flat data holds " + Json.describe(p)
                        + " at element " + elements.count() + "; nest every row or none");
            }
            if (elements.count() == count) {
                throw countMismatch(input, shape, count, "more");
            }
            elements.add(p);
        }
        if (elements.count() != count) {
            throw countMismatch(input, shape, count, String.valueOf(elements.count()));
        }
    }

    private static void readNested(JsonParser p, String input, long[] shape, ElementBuffer elements)
            throws IOException {
        int rank = shape.length;
        int[] seen = new int[rank + 1];
        int depth = 1; // inside the outer array, whose entries run along dimension 0
        for (JsonToken token = p.currentToken(); ; token = p.nextToken()) {
            if (token == JsonToken.START_ARRAY) {
                if (depth >= rank) {
                    throw KubeServeException.invalidInput("input '" + input + "': data nests deeper than shape "
                            + Arrays.toString(shape) + " (" + rank + " levels)");
                }
                countEntry(input, shape, seen, depth);
                seen[++depth - 1] = 0;
            } else if (token == JsonToken.END_ARRAY) {
                int axis = depth - 1;
                if (seen[axis] != shape[axis]) {
                    throw KubeServeException.invalidInput("input '" + input + "': dimension " + axis + " of shape "
                            + Arrays.toString(shape) + " is " + shape[axis] + " but the data has an array of "
                            + seen[axis] + " there");
                }
                if (--depth == 0) {
                    return;
                }
            } else if (token == JsonToken.START_OBJECT) {
                throw KubeServeException.invalidInput("input '" + input + "': data holds an object; expected "
                        + "arrays of values");
            } else {
                if (depth != rank) {
                    throw KubeServeException.invalidInput("input '" + input + "': data has a value (" + Json.describe(p)
                            + ") where shape " + Arrays.toString(shape) + " needs an array at dimension " + depth);
                }
                countEntry(input, shape, seen, depth);
                elements.add(p);
            }
        }
    }

    private static void countEntry(String input, long[] shape, int[] seen, int depth) {
        int axis = depth - 1;
        if (++seen[axis] > shape[axis]) {
            throw KubeServeException.invalidInput("input '" + input + "': dimension " + axis + " of shape "
                    + Arrays.toString(shape) + " is " + shape[axis] + " but the data has more entries there");
        }
    }

    /**
     * Reads the array under the parser with the shape its nesting gives: {@code [[1,2],[3,4]]} is
     * {@code [2, 2]}. Ragged rows and values beside arrays are refused.
     */
    static Tensor readUnshaped(JsonParser p, String input, DataType type, int maxElements) throws IOException {
        requireArray(p, input);
        ElementBuffer elements = ElementBuffer.growable(type, input, maxElements);
        long[] dims = new long[Json.MAX_RANK];
        int[] seen = new int[Json.MAX_RANK];
        Arrays.fill(dims, -1);
        int rank = -1;
        int maxDepth = 1;
        int depth = 1;
        for (JsonToken token = p.nextToken(); ; token = p.nextToken()) {
            if (token == JsonToken.START_ARRAY) {
                if (depth >= Json.MAX_RANK) {
                    throw KubeServeException.invalidInput("input '" + input + "': rows nest deeper than "
                            + Json.MAX_RANK + " levels");
                }
                if (rank != -1 && depth >= rank) {
                    throw ragged(input, "a row nests deeper than the others");
                }
                seen[depth - 1]++;
                seen[depth++] = 0;
                maxDepth = Math.max(maxDepth, depth);
            } else if (token == JsonToken.END_ARRAY) {
                int axis = depth - 1;
                if (dims[axis] == -1) {
                    dims[axis] = seen[axis];
                } else if (dims[axis] != seen[axis]) {
                    throw ragged(input, "rows at depth " + axis + " have " + dims[axis] + " and " + seen[axis]
                            + " entries");
                }
                if (--depth == 0) {
                    break;
                }
            } else if (token == JsonToken.START_OBJECT) {
                throw KubeServeException.invalidInput("input '" + input + "': expected arrays of values, got an object");
            } else {
                if (rank == -1) {
                    rank = depth;
                }
                if (depth != rank || maxDepth > rank) {
                    throw ragged(input, "values and arrays are mixed at the same depth");
                }
                seen[depth - 1]++;
                elements.add(p);
            }
        }
        if (rank == -1) {
            rank = maxDepth; // no values at all: [] or [[], []]
        } else if (maxDepth != rank) {
            throw ragged(input, "values and arrays are mixed at the same depth");
        }
        return elements.toTensor(Arrays.copyOf(dims, rank));
    }

    private static void requireArray(JsonParser p, String input) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw KubeServeException.invalidInput("input '" + input + "': data must be a JSON array, got "
                    + Json.describe(p));
        }
    }

    private static KubeServeException countMismatch(String input, long[] shape, int count, String got) {
        return KubeServeException.invalidInput("input '" + input + "' has shape " + Arrays.toString(shape)
                + ", which needs " + count + " elements, but the data has " + got);
    }

    private static KubeServeException ragged(String input, String why) {
        return KubeServeException.invalidInput("input '" + input + "': rows must all have the same shape; " + why);
    }
}
