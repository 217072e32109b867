package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.SerializedString;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The one JSON factory of the codecs, the field names they write, and the translation of parser
 * failures into messages a client can act on.
 */
final class Json {

    /** Deep enough for a rank-{@value #MAX_RANK} tensor inside a request, far below stack trouble. */
    static final int MAX_NESTING_DEPTH = 48;
    static final int MAX_RANK = Tensor.MAX_REQUEST_RANK;

    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            // a field given twice ("shape" twice) is ambiguous; refuse it rather than pick one
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    static final SerializedString NAME = new SerializedString("name");
    static final SerializedString DATATYPE = new SerializedString("datatype");
    static final SerializedString SHAPE = new SerializedString("shape");
    static final SerializedString DATA = new SerializedString("data");
    static final SerializedString PARAMETERS = new SerializedString("parameters");
    static final SerializedString BINARY_DATA_SIZE = new SerializedString("binary_data_size");
    static final SerializedString MODEL_NAME = new SerializedString("model_name");
    static final SerializedString MODEL_VERSION = new SerializedString("model_version");
    static final SerializedString ID = new SerializedString("id");
    static final SerializedString OUTPUTS = new SerializedString("outputs");
    static final SerializedString INPUTS = new SerializedString("inputs");
    static final SerializedString PREDICTIONS = new SerializedString("predictions");
    static final SerializedString PROBABILITIES = new SerializedString("probabilities");
    static final SerializedString CLASS_NAMES = new SerializedString("class_names");

    private Json() {
    }

    /** A parser over {@code length} bytes; byte offsets it reports are relative to {@code offset}. */
    static JsonParser parser(byte[] bytes, int offset, int length) {
        try {
            return FACTORY.createParser(bytes, offset, length);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /**
     * What a failure to read a body from memory becomes: bytes that are no text in any encoding
     * Jackson detects (its {@link CharConversionException}, such as "Unsupported UCS-4 endianness"
     * from the first four bytes, or an invalid UTF-32 character) are the client's bad input, a 400;
     * anything else is ours.
     */
    static RuntimeException unreadable(IOException e) {
        if (e instanceof CharConversionException) {
            return KubeServeException.invalidInput("request body is not valid JSON: " + e.getMessage()
                    + "; send UTF-8 JSON");
        }
        return new UncheckedIOException(e);
    }

    /** A parser over the readable bytes of {@code body}, copying them only when it has no array. */
    static JsonParser parser(ByteBuffer body) {
        if (body.hasArray()) {
            return parser(body.array(), body.arrayOffset() + body.position(), body.remaining());
        }
        byte[] copy = new byte[body.remaining()];
        body.duplicate().get(copy);
        return parser(copy, 0, copy.length);
    }

    static JsonGenerator generator(OutputStream out) {
        try {
            return FACTORY.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The message a client sees for a body Jackson could not read. */
    static KubeServeException malformed(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            String why = e.getOriginalMessage();
            if (why != null && why.contains("nesting depth")) {
                return KubeServeException.invalidInput("request JSON is too deeply nested: at most "
                        + MAX_NESTING_DEPTH + " levels of arrays and objects are accepted");
            }
            // the parser's own limits on number and string lengths
            return KubeServeException.invalidInput("request JSON has an oversized value: " + why);
        }
        JsonLocation where = e.getLocation();
        String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
        String why = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        java.util.regex.Matcher nonFinite = NON_FINITE_TOKEN.matcher(why);
        if (nonFinite.find()) {
            return KubeServeException.invalidInput("request body is not valid JSON" + at + ": " + nonFinite.group(2)
                    + " is not a JSON number. Tensor values are JSON numbers; NaN and Infinity are not allowed as"
                    + " bare tokens, send a non-finite FP16, FP32 or FP64 value as the string \"NaN\", \"Infinity\""
                    + " or \"-Infinity\"");
        }
        return KubeServeException.invalidInput("request body is not valid JSON" + at + ": " + withoutParserHints(why));
    }

    /** Jackson's words for a bare NaN or infinity (and their spellings in other languages). */
    private static final java.util.regex.Pattern NON_FINITE_TOKEN = java.util.regex.Pattern.compile(
            "(Non-standard|Unrecognized) token '([+-]?(NaN|Infinity|INF|nan|inf|infinity|Inf))'");

    /**
     * Jackson's message without its advice to enable one of its own options, which a client cannot
     * do ("Unexpected character ... : enable `JsonReadFeature.X` to allow" loses the part from
     * "enable"), and without its pointers into its own source ("(start marker at [Source: ...])",
     * "(for Array starting at [Source: ...])"): the line and column come separately.
     */
    static String withoutParserHints(String why) {
        String cut = why;
        for (String hint : new String[] {"enable `", "(not recognized as one since Feature", "Feature '",
                "(start marker at ", "(for Array starting at", "(for Object starting at", "[Source: "}) {
            int at = cut.indexOf(hint);
            if (at >= 0) {
                cut = cut.substring(0, at);
            }
        }
        cut = cut.strip();
        while (!cut.isEmpty() && (cut.endsWith(":") || cut.endsWith(";") || cut.endsWith(","))) {
            cut = cut.substring(0, cut.length() - 1).strip();
        }
        return cut.isEmpty() ? "malformed JSON" : cut;
    }

    /** A short description of the token under the parser, for "expected X, got Y" messages. */
    static String describe(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string \"" + abbreviate(p.getText()) + "\"";
            case VALUE_NULL -> "null";
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> abbreviate(p.getText());
            default -> token.asString() == null ? token.name() : token.asString();
        };
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
