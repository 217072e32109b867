package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.error.SharedMemory;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes an Open Inference Protocol (V2) inference request body, JSON or with the binary tensor
 * extension, into a {@link V2Request}. Stateless and thread-safe.
 *
 * <p>Fields may come in any order. A tensor's {@code data} is read in the same pass when its
 * {@code datatype} and {@code shape} came first (what clients do); otherwise its position is noted
 * and it is read once the whole input object is known. Unknown fields and parameters are skipped,
 * but a tensor in shared memory ({@link SharedMemory}, Triton's extensions, which KubeServe does not
 * implement) is refused as {@code UNSUPPORTED}.
 * The JSON is that of the Open Inference Protocol, REST, "Inference Request JSON Object"; the
 * binary layout is its "Binary Tensor Data Extension".
 *
 * <p>Ownership: the body buffer is only read (its position is not moved), but the tensors of binary
 * inputs wrap slices of it without copying, so the caller must not change or reuse the buffer
 * while the request may still be running.
 */
public final class V2RequestDecoder {

    /**
     * Decodes a JSON-only body (no {@code Inference-Header-Content-Length}).
     *
     * @param body the request body, from position to limit
     * @return the decoded request
     * @throws KubeServeException {@code INVALID_INPUT} for malformed JSON, a missing or mistyped
     *         field, data that does not fit the shape, or an unknown datatype; the message names
     *         the input and field. {@code UNSUPPORTED} for a tensor in shared memory
     */
    public V2Request decode(ByteBuffer body) {
        return decode(body, -1);
    }

    /**
     * Decodes a body given the raw {@code Inference-Header-Content-Length} header value, null when
     * the request had none.
     *
     * @param body                         the request body, from position to limit
     * @param inferenceHeaderContentLength the header as received (surrounding spaces allowed), or null
     * @return the decoded request
     * @throws KubeServeException {@code INVALID_INPUT} when the header is not a non-negative byte
     *         count within the body, or as {@link #decode(ByteBuffer)}
     */
    public V2Request decode(ByteBuffer body, String inferenceHeaderContentLength) {
        if (inferenceHeaderContentLength == null) {
            return decode(body, -1);
        }
        long length;
        try {
            length = Long.parseLong(inferenceHeaderContentLength.trim());
        } catch (NumberFormatException e) {
            throw KubeServeException.invalidInput(EncodedBody.INFERENCE_HEADER_CONTENT_LENGTH + " must be a"
                    + " byte count, got '" + Json.abbreviate(inferenceHeaderContentLength) + "'");
        }
        if (length < 0) {
            throw KubeServeException.invalidInput(EncodedBody.INFERENCE_HEADER_CONTENT_LENGTH + " must not be"
                    + " negative, got " + length);
        }
        if (length > Integer.MAX_VALUE) {
            throw headerBeyondBody(length, body.remaining());
        }
        return decode(body, (int) length);
    }

    /**
     * Decodes a body whose first {@code jsonHeaderLength} bytes are the JSON header and the rest
     * the inputs' binary data; a negative length means the whole body is JSON.
     *
     * @param body             the request body, from position to limit
     * @param jsonHeaderLength bytes of JSON at the start, or negative for an all-JSON body
     * @return the decoded request; binary inputs share {@code body}'s storage
     * @throws KubeServeException {@code INVALID_INPUT} when the header is longer than the body, the
     *         binary sizes do not add up to the rest of the body, or as {@link #decode(ByteBuffer)}
     */
    public V2Request decode(ByteBuffer body, int jsonHeaderLength) {
        ByteBuffer whole = body.slice();
        int total = whole.remaining();
        boolean binary = jsonHeaderLength >= 0;
        int jsonLength = binary ? jsonHeaderLength : total;
        if (jsonLength > total) {
            throw headerBeyondBody(jsonLength, total);
        }
        if (jsonLength == 0) {
            throw KubeServeException.invalidInput(binary
                    ? EncodedBody.INFERENCE_HEADER_CONTENT_LENGTH + " is 0; the JSON header cannot be empty"
                    : "request body is empty; expected a JSON object with \"inputs\"");
        }
        // parse straight from the body's array when it has one; a direct buffer's JSON part is copied
        byte[] json;
        int base;
        if (whole.hasArray()) {
            json = whole.array();
            base = whole.arrayOffset();
        } else {
            json = new byte[jsonLength];
            whole.get(0, json);
            base = 0;
        }
        try {
            return parse(json, base, jsonLength, whole, binary);
        } catch (JsonProcessingException e) {
            throw Json.malformed(e);
        } catch (IOException e) {
            throw Json.unreadable(e);
        }
    }

    private V2Request parse(byte[] json, int base, int length, ByteBuffer whole, boolean binary) throws IOException {
        String id = null;
        boolean binaryOutputs = false;
        List<InputHeader> inputs = null;
        List<String> outputNames = List.of();
        Map<String, Boolean> outputChoices = new HashMap<>();
        try (JsonParser p = Json.parser(json, base, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw KubeServeException.invalidInput("request body must be a JSON object with \"inputs\", got "
                        + Json.describe(p));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> id = p.currentToken() == JsonToken.VALUE_NULL ? null : JsonFields.string(p, "\"id\"");
                    case "parameters" -> binaryOutputs = readRequestParameters(p);
                    case "inputs" -> inputs = readInputs(p, json, base, length);
                    case "outputs" -> outputNames = readOutputs(p, outputChoices);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw KubeServeException.invalidInput("request body has content after its JSON object");
            }
        }
        if (inputs == null) {
            throw KubeServeException.invalidInput("request has no \"inputs\"; expected a list of "
                    + "{\"name\", \"shape\", \"datatype\", \"data\"}");
        }
        if (binary) {
            V2BinaryCodec.readInputs(whole, length, inputs);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (InputHeader input : inputs) {
            if (input.tensor == null) {
                throw KubeServeException.invalidInput("input '" + input.label() + "' declares binary_data_size "
                        + input.binarySize + " but the request has no " + EncodedBody.INFERENCE_HEADER_CONTENT_LENGTH
                        + " header, so its data cannot be found");
            }
            if (tensors.put(input.name, input.tensor) != null) {
                throw KubeServeException.invalidInput("input '" + input.name + "' appears more than once");
            }
        }
        return new V2Request(new InferenceRequest(id, tensors, outputNames),
                new OutputFormat(binaryOutputs, outputChoices));
    }

    private static boolean readRequestParameters(JsonParser p) throws IOException {
        boolean binaryOutputs = false;
        JsonFields.requireObject(p, "request \"parameters\"");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("binary_data_output")) {
                binaryOutputs = JsonFields.bool(p, "parameter binary_data_output");
            } else {
                p.skipChildren();
            }
        }
        return binaryOutputs;
    }

    private static List<InputHeader> readInputs(JsonParser p, byte[] json, int base, int length)
            throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw KubeServeException.invalidInput("\"inputs\" must be an array, got " + Json.describe(p));
        }
        List<InputHeader> inputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            InputHeader input = new InputHeader(inputs.size());
            V2InputReader.read(p, input, length);
            if (input.deferredDataOffset >= 0) {
                readDeferredData(json, base, length, input);
            }
            inputs.add(input);
        }
        if (inputs.isEmpty()) {
            throw KubeServeException.invalidInput("\"inputs\" is empty; a request needs at least one input");
        }
        return inputs;
    }

    /** Reads {@code data} that came before the datatype or shape, now that both are known. */
    private static void readDeferredData(byte[] json, int base, int length, InputHeader input) throws IOException {
        int offset = (int) input.deferredDataOffset;
        try (JsonParser data = Json.parser(json, base + offset, length - offset)) {
            data.nextToken();
            input.tensor = TensorDataReader.readShaped(data, input.label(), input.type, input.shape,
                    input.elementCount);
        }
    }

    private static List<String> readOutputs(JsonParser p, Map<String, Boolean> choices) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw KubeServeException.invalidInput("\"outputs\" must be an array, got " + Json.describe(p));
        }
        List<String> names = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            JsonFields.requireObject(p, "each entry of \"outputs\"");
            String name = null;
            OutputParameters parameters = OutputParameters.NONE;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("name")) {
                    name = JsonFields.string(p, "output \"name\"");
                } else if (field.equals("parameters")) {
                    parameters = readOutputParameters(p);
                } else {
                    p.skipChildren();
                }
            }
            if (name == null) {
                throw KubeServeException.invalidInput("output #" + names.size() + " has no \"name\"");
            }
            if (parameters.sharedMemory()) {
                throw SharedMemory.output(name);
            }
            Boolean binary = parameters.binary();
            if (names.contains(name)) {
                throw KubeServeException.invalidInput("output '" + name + "' is requested more than once");
            }
            names.add(name);
            if (binary != null) {
                choices.put(name, binary);
            }
        }
        return names;
    }

    /** What an output's parameters ask for: binary data (null when not said), shared memory. */
    private record OutputParameters(Boolean binary, boolean sharedMemory) {
        static final OutputParameters NONE = new OutputParameters(null, false);
    }

    private static OutputParameters readOutputParameters(JsonParser p) throws IOException {
        Boolean binary = null;
        boolean sharedMemory = false;
        JsonFields.requireObject(p, "output \"parameters\"");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("binary_data")) {
                binary = JsonFields.bool(p, "output parameter binary_data");
            } else {
                sharedMemory |= field.equals(SharedMemory.PARAMETER);
                p.skipChildren();
            }
        }
        return new OutputParameters(binary, sharedMemory);
    }

    private static KubeServeException headerBeyondBody(long headerLength, int bodyLength) {
        return KubeServeException.invalidInput(EncodedBody.INFERENCE_HEADER_CONTENT_LENGTH + " is " + headerLength
                + " but the body has only " + bodyLength + " bytes");
    }
}
