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
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * KServe V1 ({@code POST /v1/models/{m}:predict}): {@code {"instances": [[...], ...]}} in (or the
 * {@code "inputs"} alias), {@code {"predictions": [...]}} out.
 *
 * <p>The instances become one tensor for the model's first input, shaped by their nesting. The
 * predictions follow what the model is ({@link Classification}): a classifier's are its own labels
 * (strings, or its integer classes; class indices for a model that gives scores only), with
 * {@code class_names} beside them when the model has declared class names and
 * {@code probabilities} ({@code [N, classes]}) when it gives them; any other model's are its
 * output values: its one output nested by shape, or one object per row keyed by output name.
 * Stateless and thread-safe.
 */
public final class V1Codec {

    /**
     * Reads a V1 request ({@code instances} or {@code inputs}) for the model's first input.
     *
     * @param body  the request body, from position to limit; only read
     * @param model the model's metadata: its first input's datatype gives the tensor's
     * @return a request with one tensor shaped by the nesting of the instances, e.g. {@code [N, 4]}
     * @throws KubeServeException {@code INVALID_INPUT} for an empty or malformed body, no or both
     *         of {@code instances} and {@code inputs}, ragged nesting, or values the input's
     *         datatype cannot hold
     */
    public InferenceRequest decode(ByteBuffer body, ModelMetadata model) {
        TensorSpec spec = InstanceReader.firstInput(model);
        if (!body.hasRemaining()) {
            throw KubeServeException.invalidInput("request body is empty; expected {\"instances\": [[...], ...]}");
        }
        Tensor tensor = null;
        try (JsonParser p = Json.parser(body)) {
            p.nextToken();
            JsonFields.requireObject(p, "request body");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("instances") || field.equals("inputs")) {
                    if (tensor != null) {
                        throw KubeServeException.invalidInput("request has both \"instances\" and \"inputs\";"
                                + " send one");
                    }
                    tensor = InstanceReader.read(p, spec, body.remaining() / 2 + 1);
                } else {
                    p.skipChildren();
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
        if (tensor == null) {
            throw KubeServeException.invalidInput("request has no \"instances\"; expected {\"instances\": [[...], ...]}");
        }
        return new InferenceRequest(null, Map.of(spec.name(), tensor), List.of());
    }

    /**
     * Writes {@code {"predictions": [...]}} as the class comment says.
     *
     * @param response the predictor's answer; only read
     * @param model    the model's metadata, to tell a classifier and find its class names
     * @return a new UTF-8 JSON body, owned by the caller
     */
    public byte[] encode(InferenceResponse response, ModelMetadata model) {
        ByteSink sink = new ByteSink(256);
        try (JsonGenerator gen = Json.generator(sink)) {
            gen.writeStartObject();
            gen.writeFieldName(Json.PREDICTIONS);
            Classification classes = Classification.of(response, model);
            if (classes != null) {
                writeClassification(gen, classes);
            } else {
                writeValues(gen, Predictions.outputs(response));
            }
            gen.writeFieldName(Json.MODEL_NAME);
            gen.writeString(response.modelName());
            if (response.modelVersion() != null) {
                gen.writeFieldName(Json.MODEL_VERSION);
                gen.writeString(response.modelVersion());
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }

    private static void writeClassification(JsonGenerator gen, Classification classes) throws IOException {
        int rows = classes.rows();
        gen.writeStartArray(classes, rows);
        for (int row = 0; row < rows; row++) {
            Predictions.writeLabel(gen, classes, row);
        }
        gen.writeEndArray();
        if (classes.hasClassNames() && !classes.hasStringLabels()) {
            gen.writeFieldName(Json.CLASS_NAMES);
            gen.writeStartArray(classes, rows);
            for (int row = 0; row < rows; row++) {
                gen.writeString(classes.className(row)); // null (unlabelled index) is written as null
            }
            gen.writeEndArray();
        }
        if (classes.probabilities() != null) {
            gen.writeFieldName(Json.PROBABILITIES);
            TensorJsonWriter.writeNested(gen, classes.probabilities());
        }
    }

    /**
     * A model that is not a classifier answers with its output values: its one output nested by
     * shape, or one object per row keyed by output name (whole outputs when they share no rows).
     */
    private static void writeValues(JsonGenerator gen, List<Map.Entry<String, Tensor>> outputs) throws IOException {
        if (outputs.isEmpty()) {
            gen.writeStartArray();
            gen.writeEndArray();
        } else if (outputs.size() == 1) {
            TensorJsonWriter.writeNested(gen, outputs.get(0).getValue());
        } else {
            int rows = Predictions.rows(outputs);
            if (rows < 0) {
                Predictions.writeColumns(gen, outputs);
                return;
            }
            gen.writeStartArray(outputs, rows);
            for (int row = 0; row < rows; row++) {
                Predictions.writeRowObject(gen, outputs, row, false);
            }
            gen.writeEndArray();
        }
    }
}
