package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.Classification;
import io.kubeserve.core.InferenceRequest;
import io.kubeserve.core.InferenceResponse;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The seed API, {@code POST /predict}, kept for its existing clients. Two shapes of request:
 * <ul>
 *   <li>a batch, {@code {"data": [[...], ...]}}, answered {@code {"predictions": [...], "model_loaded": true}};</li>
 *   <li>one row, {@code {"features": [...], "request_id": "r1"}}, answered {@code {"prediction": 0,
 *       "confidence": 0.97, "model_version": "1", "request_id": "r1", "class_name": "setosa"}}.</li>
 * </ul>
 * A classifier's predictions are class indices ({@code confidence} only when it gives
 * probabilities, {@code class_name} only when it has labels); any other model's predictions are the
 * rows of its first output, a single-value row written as that value. Stateless and thread-safe.
 */
public final class SeedCodec {

    /**
     * A decoded seed request.
     *
     * @param request   one tensor for the model's first input, {@code [1, features]} for a single row
     * @param single    true for a {@code features} request, answered with {@code prediction}
     * @param requestId the client's {@code request_id}, echoed back; may be null
     */
    public record SeedRequest(InferenceRequest request, boolean single, String requestId) {
    }

    public SeedRequest decode(ByteBuffer body, ModelMetadata model) {
        TensorSpec spec = InstanceReader.firstInput(model);
        if (!body.hasRemaining()) {
            throw KubeServeException.invalidInput("request body is empty; expected {\"data\": [[...], ...]} or"
                    + " {\"features\": [...]}");
        }
        int maxElements = body.remaining() / 2 + 1;
        Tensor batch = null;
        Tensor single = null;
        String requestId = null;
        try (JsonParser p = Json.parser(body)) {
            p.nextToken();
            JsonFields.requireObject(p, "request body");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "data" -> batch = InstanceReader.read(p, spec, maxElements);
                    case "features" -> single = InstanceReader.readRow(p, spec, maxElements);
                    case "request_id" -> requestId = requestId(p);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw KubeServeException.invalidInput("request body has content after its JSON object");
            }
        } catch (JsonProcessingException e) {
            throw Json.malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (batch != null && single != null) {
            throw KubeServeException.invalidInput("request has both \"data\" and \"features\"; send rows as"
                    + " \"data\" or one row as \"features\"");
        }
        if (batch == null && single == null) {
            throw KubeServeException.invalidInput("request has neither \"data\" (a list of rows) nor \"features\""
                    + " (one row)");
        }
        Tensor tensor = single != null ? single : batch;
        return new SeedRequest(new InferenceRequest(requestId, Map.of(spec.name(), tensor), List.of()),
                single != null, requestId);
    }

    public byte[] encode(SeedRequest request, InferenceResponse response, ModelMetadata model) {
        Classification classes = Classification.of(response, model);
        Tensor first = classes == null ? V1Codec.firstOutput(response) : null;
        if (classes == null && first == null) {
            throw KubeServeException.internal("model '" + response.modelName() + "' returned no outputs", null);
        }
        ByteSink sink = new ByteSink(128);
        try (JsonGenerator gen = Json.generator(sink)) {
            gen.writeStartObject();
            if (request.single()) {
                writeSingle(gen, request, response, classes, first);
            } else {
                writeBatch(gen, classes, first);
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }

    private static void writeSingle(JsonGenerator gen, SeedRequest request, InferenceResponse response,
                                    Classification classes, Tensor first) throws IOException {
        int rows = classes != null ? classes.rows() : (first.rank() == 0 ? 1 : (int) first.dim(0));
        if (rows < 1) {
            throw KubeServeException.internal("model '" + response.modelName() + "' answered one row with none",
                    null);
        }
        gen.writeFieldName("prediction");
        if (classes != null) {
            gen.writeNumber(classes.classIndex(0));
            double confidence = classes.confidence(0);
            if (!Double.isNaN(confidence)) {
                gen.writeFieldName("confidence");
                // a float probability widened to double would print as 0.9700000286102295
                if (classes.probabilities().type() == DataType.FP64) {
                    gen.writeNumber(confidence);
                } else {
                    gen.writeNumber((float) confidence);
                }
            }
        } else {
            TensorJsonWriter.writeRow(gen, first, 0);
        }
        if (response.modelVersion() != null) {
            gen.writeStringField("model_version", response.modelVersion());
        }
        if (request.requestId() != null) {
            gen.writeStringField("request_id", request.requestId());
        }
        if (classes != null && classes.hasClassNames()) {
            String name = classes.className(0);
            if (name != null) {
                gen.writeStringField("class_name", name);
            }
        }
    }

    private static void writeBatch(JsonGenerator gen, Classification classes, Tensor first) throws IOException {
        gen.writeFieldName(Json.PREDICTIONS);
        gen.writeStartArray();
        if (classes != null) {
            for (int row = 0; row < classes.rows(); row++) {
                gen.writeNumber(classes.classIndex(row));
            }
        } else {
            int rows = first.rank() == 0 ? 1 : (int) first.dim(0);
            for (int row = 0; row < rows; row++) {
                TensorJsonWriter.writeRow(gen, first, row);
            }
        }
        gen.writeEndArray();
        gen.writeBooleanField("model_loaded", true);
    }

    private static String requestId(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        throw KubeServeException.invalidInput("\"request_id\" must be a string, got " + Json.describe(p));
    }
}
