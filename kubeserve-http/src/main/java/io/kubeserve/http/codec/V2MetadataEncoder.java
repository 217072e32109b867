package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes the V2 metadata bodies: {@code GET /v2} (server) and {@code GET /v2/models/{m}[/versions/{v}]}
 * (model). Shapes keep {@code -1} for dimensions of any size, as the protocol specifies (Open
 * Inference Protocol, REST, "Server Metadata Response JSON Object" and "Model Metadata Response
 * JSON Object"). Stateless and thread-safe.
 */
public final class V2MetadataEncoder {

    /**
     * Model metadata listing only the version that {@code model} describes.
     *
     * @param model the version's metadata
     * @return a new UTF-8 JSON body: {@code name}, {@code versions}, {@code platform}, {@code inputs},
     *         {@code outputs} (each {@code name}, {@code datatype}, {@code shape})
     */
    public byte[] model(ModelMetadata model) {
        return model(model, List.of(model.version()));
    }

    /**
     * Model metadata with every version the repository holds for the model.
     *
     * @param model    the metadata of the version whose inputs and outputs are described
     * @param versions the version labels to list, in the order given
     * @return a new UTF-8 JSON body, as {@link #model(ModelMetadata)}
     */
    public byte[] model(ModelMetadata model, List<String> versions) {
        ByteSink sink = new ByteSink(512);
        try (JsonGenerator gen = Json.generator(sink)) {
            gen.writeStartObject();
            gen.writeStringField("name", model.name());
            gen.writeArrayFieldStart("versions");
            for (String version : versions) {
                gen.writeString(version);
            }
            gen.writeEndArray();
            gen.writeStringField("platform", model.platform());
            gen.writeFieldName(Json.INPUTS);
            writeSpecs(gen, model.inputs());
            gen.writeFieldName(Json.OUTPUTS);
            writeSpecs(gen, model.outputs());
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }

    /**
     * Server metadata: {@code {"name", "version", "extensions"}}.
     *
     * @param name       the server's name, e.g. {@code kubeserve}
     * @param version    the server's version
     * @param extensions the protocol extensions supported, e.g. {@code binary_tensor_data}
     * @return a new UTF-8 JSON body
     */
    public byte[] server(String name, String version, List<String> extensions) {
        ByteSink sink = new ByteSink(256);
        try (JsonGenerator gen = Json.generator(sink)) {
            gen.writeStartObject();
            gen.writeStringField("name", name);
            gen.writeStringField("version", version);
            gen.writeArrayFieldStart("extensions");
            for (String extension : extensions) {
                gen.writeString(extension);
            }
            gen.writeEndArray();
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }

    private static void writeSpecs(JsonGenerator gen, List<TensorSpec> specs) throws IOException {
        gen.writeStartArray();
        for (TensorSpec spec : specs) {
            gen.writeStartObject();
            gen.writeFieldName(Json.NAME);
            gen.writeString(spec.name());
            gen.writeFieldName(Json.DATATYPE);
            gen.writeString(spec.type().name());
            gen.writeFieldName(Json.SHAPE);
            V2ResponseEncoder.writeShape(gen, spec.shape());
            gen.writeEndObject();
        }
        gen.writeEndArray();
    }
}
