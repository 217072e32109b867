package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kubeserve.core.error.KubeServeException;
import java.io.IOException;

/** Typed reads of single JSON values, failing with a message that names the field. */
final class JsonFields {

    private JsonFields() {
    }

    static String string(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw KubeServeException.invalidInput(what + " must be a string, got " + Json.describe(p));
        }
        return p.getText();
    }

    static boolean bool(JsonParser p, String what) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return token == JsonToken.VALUE_TRUE;
        }
        throw KubeServeException.invalidInput(what + " must be true or false, got " + Json.describe(p));
    }

    static void requireObject(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw KubeServeException.invalidInput(what + " must be an object, got " + Json.describe(p));
        }
    }
}
