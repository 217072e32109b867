package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The error body every KubeServe protocol answers with: {@code {"error": "..."}}, the shape the
 * Open Inference Protocol gives for REST errors (REST, "Inference Response JSON Error Object"),
 * used for V1 and the seed API as well. Stateless and thread-safe.
 */
public final class ErrorBody {

    private ErrorBody() {
    }

    /**
     * The error object around a message, quotes, control characters and all escaped.
     *
     * @param message what went wrong, for the client; null is written as {@code ""}
     * @return a new UTF-8 JSON body, owned by the caller
     */
    public static byte[] encode(String message) {
        ByteSink sink = new ByteSink(32 + (message == null ? 0 : message.length()));
        try (JsonGenerator gen = Json.generator(sink)) {
            gen.writeStartObject();
            gen.writeStringField("error", message == null ? "" : message);
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.toByteArray();
    }
}
