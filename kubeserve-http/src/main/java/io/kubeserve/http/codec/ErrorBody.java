package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The error body every KubeServe protocol answers with: {@code {"error": "..."}}. */
public final class ErrorBody {

    private ErrorBody() {
    }

    /** The message as a JSON string, quotes, control characters and all escaped. */
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
