package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Encodes an {@link InferenceResponse} as a V2 response body: all JSON, or a JSON header followed
 * by the outputs the client asked for in binary, in output order. Every output in the response is
 * written; choosing which ones is the predictor's job. Stateless and thread-safe. The JSON is the
 * Open Inference Protocol's, REST, "Inference Response JSON Object"; binary outputs follow its
 * "Binary Tensor Data Extension" ({@code binary_data_size} in each output's {@code parameters}).
 */
public final class V2ResponseEncoder {

    /**
     * Every output as JSON {@code data}.
     *
     * @param response the predictor's answer; only read
     * @return an all-JSON body, owned by the caller
     */
    public EncodedBody encode(InferenceResponse response) {
        return encode(response, OutputFormat.JSON);
    }

    /**
     * The outputs as the client asked: JSON {@code data} or binary per output.
     *
     * @param response the predictor's answer; only read
     * @param format   which outputs go binary
     * @return the body and its JSON header length, owned by the caller
     * @throws KubeServeException {@code INTERNAL} when the binary outputs would not fit one body (about 2 GiB)
     */
    public EncodedBody encode(InferenceResponse response, OutputFormat format) {
        List<Tensor> binary = new ArrayList<>();
        long binaryBytes = 0;
        long jsonEstimate = 256;
        for (Map.Entry<String, Tensor> output : response.outputs().entrySet()) {
            if (format.isBinary(output.getKey())) {
                binary.add(output.getValue());
                binaryBytes += V2BinaryCodec.size(output.getValue());
            } else {
                jsonEstimate += jsonSizeEstimate(output.getValue());
            }
        }
        if (binaryBytes > Integer.MAX_VALUE - (1 << 20)) {
            throw KubeServeException.internal("outputs of " + binaryBytes + " bytes do not fit one response body",
                    null);
        }
        // sized up front: regrowing a multi-megabyte buffer costs more than the writing
        ByteSink sink = new ByteSink((int) Math.min(binaryBytes + jsonEstimate + 64L * response.outputs().size(),
                Integer.MAX_VALUE / 2));
        try (JsonGenerator gen = Json.generator(sink)) {
            writeHeader(gen, response, format);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int jsonLength = sink.size();
        if (binary.isEmpty()) {
            return EncodedBody.json(sink.toByteArray());
        }
        for (Tensor tensor : binary) {
            V2BinaryCodec.write(tensor, sink);
        }
        return new EncodedBody(sink.toByteArray(), jsonLength, EncodedBody.APPLICATION_OCTET_STREAM);
    }

    private static void writeHeader(JsonGenerator gen, InferenceResponse response, OutputFormat format)
            throws IOException {
        gen.writeStartObject();
        gen.writeFieldName(Json.MODEL_NAME);
        gen.writeString(response.modelName());
        if (response.modelVersion() != null) {
            gen.writeFieldName(Json.MODEL_VERSION);
            gen.writeString(response.modelVersion());
        }
        if (response.id() != null) {
            gen.writeFieldName(Json.ID);
            gen.writeString(response.id());
        }
        gen.writeFieldName(Json.OUTPUTS);
        gen.writeStartArray();
        for (Map.Entry<String, Tensor> output : response.outputs().entrySet()) {
            Tensor tensor = output.getValue();
            gen.writeStartObject();
            gen.writeFieldName(Json.NAME);
            gen.writeString(output.getKey());
            gen.writeFieldName(Json.DATATYPE);
            gen.writeString(tensor.type().name());
            gen.writeFieldName(Json.SHAPE);
            writeShape(gen, tensor.shape());
            if (format.isBinary(output.getKey())) {
                gen.writeFieldName(Json.PARAMETERS);
                gen.writeStartObject();
                gen.writeFieldName(Json.BINARY_DATA_SIZE);
                gen.writeNumber(V2BinaryCodec.size(tensor));
                gen.writeEndObject();
            } else {
                gen.writeFieldName(Json.DATA);
                TensorJsonWriter.writeFlat(gen, tensor);
            }
            gen.writeEndObject();
        }
        gen.writeEndArray();
        gen.writeEndObject();
    }

    /** Roughly what a tensor's data takes as JSON text: a few characters per byte of value, plus a comma. */
    private static long jsonSizeEstimate(Tensor tensor) {
        if (tensor.type().isFixedSize()) {
            return (long) tensor.size() * (3L * tensor.type().byteSize() + 2);
        }
        return tensor.byteSize() + 4L * tensor.size();
    }

    static void writeShape(JsonGenerator gen, long[] shape) throws IOException {
        gen.writeStartArray(shape, shape.length);
        for (long dim : shape) {
            gen.writeNumber(dim);
        }
        gen.writeEndArray();
    }
}
