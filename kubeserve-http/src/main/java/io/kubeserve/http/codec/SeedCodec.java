package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
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
 * A classifier's predictions are its own labels ({@link Classification}: strings, or its integer
 * classes; class indices for a model that gives scores only), {@code confidence} only when it gives
 * probabilities, {@code class_name} only when it has declared class names; any other model's
 * predictions are its output values, row by row (a single-value row written as that value, several
 * outputs as one object per row keyed by output name). Stateless and thread-safe.
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

    /**
     * Reads a seed request for the model's first input.
     *
     * @param body  the request body, from position to limit; only read
     * @param model the model's metadata: its first input's datatype and shape shape the tensor
     * @return the request, its tensor {@code [rows, features]} ({@code [1, features]} for one row)
     * @throws KubeServeException {@code INVALID_INPUT} for an empty or malformed body, neither or
     *         both of {@code data} and {@code features}, ragged rows, or values the input's
     *         datatype cannot hold
     */
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
            throw Json.unreadable(e);
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

    /**
     * Writes the answer in the shape the request came in (see the class comment).
     *
     * @param request  the decoded request, for its shape and {@code request_id}
     * @param response the predictor's answer; only read
     * @param model    the model's metadata, to tell a classifier and find its class names
     * @return a new UTF-8 JSON body, owned by the caller
     */
    public byte[] encode(SeedRequest request, InferenceResponse response, ModelMetadata model) {
        Classification classes = Classification.of(response, model);
        List<Map.Entry<String, Tensor>> outputs = classes == null ? Predictions.outputs(response) : List.of();
        if (classes == null && outputs.isEmpty()) {
            throw KubeServeException.internal("model '" + response.modelName() + "' returned no outputs", null);
        }
        ByteSink sink = new ByteSink(128);
        try (JsonGenerator gen = Json.generator(sink)) {
            gen.writeStartObject();
            if (request.single()) {
                writeSingle(gen, request, response, classes, outputs);
            } else {
                writeBatch(gen, classes, outputs);
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }

    private static void writeSingle(JsonGenerator gen, SeedRequest request, InferenceResponse response,
                                    Classification classes, List<Map.Entry<String, Tensor>> outputs)
            throws IOException {
        int rows = classes != null ? classes.rows() : valueRows(outputs);
        if (rows == 0) {
            throw KubeServeException.internal("model '" + response.modelName() + "' answered one row with none",
                    null);
        }
        gen.writeFieldName("prediction");
        if (classes != null) {
            Predictions.writeLabel(gen, classes, 0);
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
        } else if (rows < 0) {
            Predictions.writeColumns(gen, outputs);
        } else {
            writeValueRow(gen, outputs, 0);
        }
        if (response.modelVersion() != null) {
            gen.writeStringField("model_version", response.modelVersion());
        }
        if (request.requestId() != null) {
            gen.writeStringField("request_id", request.requestId());
        }
        if (classes != null && classes.hasClassNames() && !classes.hasStringLabels()) {
            String name = classes.className(0);
            if (name != null) {
                gen.writeStringField("class_name", name);
            }
        }
    }

    private static void writeBatch(JsonGenerator gen, Classification classes,
                                   List<Map.Entry<String, Tensor>> outputs) throws IOException {
        gen.writeFieldName(Json.PREDICTIONS);
        if (classes != null) {
            gen.writeStartArray();
            for (int row = 0; row < classes.rows(); row++) {
                Predictions.writeLabel(gen, classes, row);
            }
            gen.writeEndArray();
        } else {
            int rows = valueRows(outputs);
            if (rows < 0) {
                Predictions.writeColumns(gen, outputs);
            } else {
                gen.writeStartArray();
                for (int row = 0; row < rows; row++) {
                    writeValueRow(gen, outputs, row);
                }
                gen.writeEndArray();
            }
        }
        gen.writeBooleanField("model_loaded", true);
    }

    /** Rows of a non-classifier's answer: a scalar output is one row; -1 when outputs share none. */
    private static int valueRows(List<Map.Entry<String, Tensor>> outputs) {
        if (outputs.size() == 1) {
            Tensor only = outputs.get(0).getValue();
            return only.rank() == 0 ? 1 : (int) only.dim(0);
        }
        return Predictions.rows(outputs);
    }

    private static void writeValueRow(JsonGenerator gen, List<Map.Entry<String, Tensor>> outputs, int row)
            throws IOException {
        if (outputs.size() == 1) {
            TensorJsonWriter.writeRow(gen, outputs.get(0).getValue(), row);
        } else {
            Predictions.writeRowObject(gen, outputs, row, true);
        }
    }

    private static String requestId(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        throw KubeServeException.invalidInput("\"request_id\" must be a string, got " + Json.describe(p));
    }
}
