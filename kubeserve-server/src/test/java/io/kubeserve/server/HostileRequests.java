package io.kubeserve.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik generators of requests a careless or hostile client sends: every route of the API (and
 * paths that match none) with wrong methods, wrong content types, and bodies that are truncated,
 * mutated, deeply nested, full of huge numbers, NaN and Infinity, wrongly typed, lying about their
 * shapes or about their binary sections, or plain random bytes.
 *
 * <p>The bodies start from requests the server accepts, so that most of them get past the first
 * check and reach the codecs and the predictor; a generator of pure noise would only ever test the
 * JSON parser's first byte.
 */
final class HostileRequests {

    /** One request; {@code kind} names the generator, for the totals and for failure reports. */
    record Hostile(String kind, String method, String path, String contentType, String inferenceHeader,
                   String authorization, byte[] body) {

        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8);
            String preview = text.length() > 300 ? text.substring(0, 300) + "... (" + body.length + " bytes)" : text;
            return kind + ": " + method + " " + path + " [Content-Type: " + contentType + ", Inference-Header-Content-Length: "
                    + inferenceHeader + ", Authorization: " + authorization + "] " + preview;
        }
    }

    /** A body and what the client says about it. */
    record Body(String kind, byte[] bytes, String contentType, String inferenceHeader) {
        static Body json(String kind, String text) {
            return new Body(kind, text.getBytes(StandardCharsets.UTF_8), "application/json", null);
        }
    }

    /** Bodies every inference and repository route accepts, one per protocol and model. */
    static final List<String> VALID = List.of(
            "{\"id\": \"1\", \"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
                    + " \"data\": [5.1, 3.5, 1.4, 0.2]}]}",
            "{\"inputs\": [{\"data\": [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], \"shape\": [2, 4], \"name\": \"input\","
                    + " \"datatype\": \"FP32\"}], \"outputs\": [{\"name\": \"output\", \"parameters\": {\"binary_data\": false}}],"
                    + " \"parameters\": {\"binary_data_output\": false}}",
            "{\"instances\": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}",
            "{\"data\": [[5.1, 3.5, 1.4, 0.2]]}",
            "{\"features\": [5.1, 3.5, 1.4, 0.2], \"request_id\": \"r1\"}",
            "{\"ready\": true}",
            "{\"parameters\": {\"config\": \"{}\"}}");

    private static final List<String> HUGE_NUMBERS = List.of("1e999", "-1e999", "1E-400", "-0",
            "123456789012345678901234567890", "9223372036854775808", "-9223372036854775809", "2147483648",
            "3.4028236e38", "1" + "0".repeat(500), "0." + "0".repeat(500) + "1", "1e2147483647", "0x10", "01", "+1",
            ".5", "5.", "1e", "--1");

    private static final List<String> NAN_INF = List.of("NaN", "Infinity", "-Infinity", "+Infinity", "\"NaN\"",
            "\"Infinity\"", "nan", "inf", "null", "true", "1e39", "-1e39", "\"5.1\"", "[]", "{}");

    private static final List<String> DATATYPES = List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8",
            "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "fp32", "FLOAT", "", "FP32 ", "STRING");

    private static final List<Long> DIMENSIONS = List.of(0L, 1L, 2L, 3L, 4L, 5L, 16L, 100_000L, 65_536L,
            2_147_483_647L, 2_147_483_648L, 4_294_967_296L, Long.MAX_VALUE, -1L, -2L);

    /** Field names of all three protocols, so random JSON often hits a field a codec reads. */
    private static final List<String> FIELDS = List.of("inputs", "outputs", "name", "datatype", "shape", "data",
            "parameters", "binary_data_size", "binary_data", "binary_data_output", "id", "instances", "features",
            "request_id", "ready", "config", "x", "");

    private static final List<String> OTHER_TYPES = List.of("text/plain", "application/xml", "text/html",
            "multipart/form-data; boundary=xyz", "application/json; charset=utf-16", "application/octet-stream",
            "application/x-www-form-urlencoded", "*/*", "application/jsonx", "json", ";;;", "application/json;");

    /** Markers in the generators: keep what the route or body says; send no such header. */
    private static final String KEEP = "<keep>";
    private static final String NONE = "<none>";

    private HostileRequests() {
    }

    /** Requests over every route in {@code routes} ({@code "METHOD /template"}) and off them. */
    static Arbitrary<Hostile> any(List<String> routes) {
        // most bodies are for the inference routes: they are where request content is interpreted
        List<String> inference = routes.stream().filter(r -> r.endsWith("infer") || r.endsWith("predict")).toList();
        Arbitrary<String[]> target = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of(inference).flatMap(HostileRequests::onRoute)),
                Tuple.of(6, Arbitraries.of(routes).flatMap(HostileRequests::onRoute)),
                Tuple.of(1, randomPath().map(path -> new String[] {"GET", path})));
        Arbitrary<String> authorization = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(NONE)),
                Tuple.of(1, Arbitraries.strings().alpha().numeric().ofMaxLength(40).map(t -> "Bearer " + t)),
                Tuple.of(1, Arbitraries.strings().ascii().ofMaxLength(20)
                        .filter(t -> t.chars().allMatch(c -> c >= 0x20 && c < 0x7f))));
        return Combinators.combine(target, method(), body(), contentTypeOverride(), authorization)
                .as((routed, methodOverride, body, typeOverride, auth) -> new Hostile(body.kind(),
                        methodOverride.equals(KEEP) ? routed[0] : methodOverride, routed[1],
                        typeOverride.equals(KEEP) ? body.contentType() : typeOverride.equals(NONE) ? null : typeOverride,
                        body.inferenceHeader(), auth.equals(NONE) ? null : auth, body.bytes()));
    }

    /** Mostly the route's own method; sometimes another standard one or an invented token. */
    private static Arbitrary<String> method() {
        return Arbitraries.frequencyOf(
                Tuple.of(16, Arbitraries.just(KEEP)),
                Tuple.of(2, Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")),
                Tuple.of(1, Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12)));
    }

    /** {@link #KEEP} sends the body's own type, {@link #NONE} no type at all. */
    private static Arbitrary<String> contentTypeOverride() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(KEEP)),
                Tuple.of(1, Arbitraries.just(NONE)),
                Tuple.of(2, Arbitraries.of(OTHER_TYPES)));
    }

    /** A concrete path for a template: known names, unknown ones, escapes, traversal, very long names. */
    private static Arbitrary<String[]> onRoute(String route) {
        String method = route.substring(0, route.indexOf(' '));
        String template = route.substring(route.indexOf(' ') + 1);
        String[] segments = template.split("/", -1);
        List<Arbitrary<String>> parts = new ArrayList<>();
        for (String segment : segments) {
            if (segment.startsWith("{")) {
                String suffix = segment.substring(segment.indexOf('}') + 1);
                boolean version = segment.startsWith("{version}");
                parts.add(pathParameter(version ? "1" : "iris", version ? "2" : "mlp").map(value -> value + suffix));
            } else {
                parts.add(Arbitraries.just(segment));
            }
        }
        Arbitrary<String> query = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.strings().alpha().numeric().withChars('=', '&').ofMaxLength(30).map(q -> "?" + q)));
        return Combinators.combine(Combinators.combine(parts).as(list -> String.join("/", list)), query)
                .as((path, q) -> new String[] {method, path + q});
    }

    /** Mostly a name that exists, so the body gets read; otherwise names that must be refused cleanly. */
    private static Arbitrary<String> pathParameter(String known, String other) {
        return Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.of(known, other)),
                Tuple.of(2, Arbitraries.strings().alpha().numeric().withChars('.', '_', '-').ofMaxLength(16)),
                Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(8).map(HostileRequests::percentEncode)),
                Tuple.of(1, Arbitraries.of("..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%00", "%ff%fe", "iris%2f1",
                        "a".repeat(3000), "swagger-ui.css", "index.html", "iris:predict", "%20iris")));
    }

    private static Arbitrary<String> randomPath() {
        return Arbitraries.strings().alpha().numeric().withChars('/', '.', '-', ':', '_').ofMaxLength(60)
                .map(p -> "/" + p);
    }

    private static String percentEncode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append(String.format(Locale.ROOT, "%%%02X", b & 0xff));
        }
        return out.toString();
    }

    static Arbitrary<Body> body() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(VALID).map(v -> Body.json("valid", v))),
                Tuple.of(3, truncated()),
                Tuple.of(4, mutated()),
                Tuple.of(2, hugeNumbers()),
                Tuple.of(1, deepNesting()),
                Tuple.of(4, randomJson()),
                Tuple.of(2, nanAndInfinity()),
                Tuple.of(3, shapeLies()),
                Tuple.of(3, binaryLies()),
                Tuple.of(2, randomBytes()),
                Tuple.of(1, Arbitraries.just(new Body("empty", new byte[0], "application/json", null))));
    }

    private static Arbitrary<Body> truncated() {
        return Arbitraries.of(VALID).flatMap(v -> Arbitraries.integers().between(0, v.length() - 1)
                .map(n -> Body.json("truncated JSON", v.substring(0, n))));
    }

    /** Up to eight single-character edits, drawn from characters that matter to JSON. */
    private static Arbitrary<Body> mutated() {
        Arbitrary<char[]> edit = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '-', '.', 'e', '0', '9', ' ', '\\', 'n', '\u0000',
                        '\u00e9', '\ud83d')).as((op, c) -> new char[] {(char) (int) op, c});
        return Combinators.combine(Arbitraries.of(VALID), Arbitraries.doubles().between(0, 1).list().ofMinSize(1).ofMaxSize(8),
                edit.list().ofMinSize(8).ofMaxSize(8)).as((valid, positions, edits) -> {
                    StringBuilder text = new StringBuilder(valid);
                    for (int i = 0; i < positions.size(); i++) {
                        int at = Math.min(text.length() - 1, (int) (positions.get(i) * text.length()));
                        char[] op = edits.get(i);
                        if (text.length() == 0) {
                            break;
                        }
                        switch (op[0]) {
                            case 0 -> text.setCharAt(at, op[1]);
                            case 1 -> text.insert(at, op[1]);
                            default -> text.deleteCharAt(at);
                        }
                    }
                    return Body.json("mutated JSON", text.toString());
                });
    }

    /** A number of a valid body replaced by one no float, int or long holds, or that is not JSON. */
    private static Arbitrary<Body> hugeNumbers() {
        return Combinators.combine(Arbitraries.of(VALID), Arbitraries.integers().between(0, 8), Arbitraries.of(HUGE_NUMBERS))
                .as((valid, which, number) -> {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?\\d+(\\.\\d+)?").matcher(valid);
                    List<int[]> spans = new ArrayList<>();
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    if (spans.isEmpty()) {
                        return Body.json("huge number", "{\"data\": [[" + number + "]]}");
                    }
                    int[] span = spans.get(which % spans.size());
                    return Body.json("huge number", valid.substring(0, span[0]) + number + valid.substring(span[1]));
                });
    }

    private static Arbitrary<Body> deepNesting() {
        return Combinators.combine(Arbitraries.integers().between(1, 20_000), Arbitraries.of("[", "{\"data\": ", "{\"inputs\": ["),
                Arbitraries.of(true, false)).as((depth, open, closed) -> {
                    String close = open.equals("[") ? "]" : open.equals("{\"data\": ") ? "}" : "]}";
                    String inner = open.equals("[") ? "1" : "[1]";
                    StringBuilder text = new StringBuilder("{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\","
                            + " \"shape\": [1, 4], \"data\": ");
                    text.append(open.repeat(depth)).append(inner);
                    if (closed) {
                        text.append(close.repeat(depth));
                    }
                    text.append("}]}");
                    return Body.json("deep nesting", text.toString());
                });
    }

    /** Any JSON built from the protocols' field names: wrong types in every place a codec looks. */
    private static Arbitrary<Body> randomJson() {
        return jsonValue(4).map(v -> Body.json("wrong types", v));
    }

    private static Arbitrary<String> jsonValue(int depth) {
        Arbitrary<String> leaf = Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of(HUGE_NUMBERS),
                Arbitraries.of(DATATYPES).map(t -> "\"" + t + "\""),
                Arbitraries.strings().ofMaxLength(12).map(HostileRequests::quote),
                Arbitraries.of("true", "false", "null", "NaN", "\"float_input\"", "\"input\""));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<String> array = Arbitraries.lazy(() -> jsonValue(depth - 1)).list().ofMaxSize(5)
                .map(items -> "[" + String.join(", ", items) + "]");
        Arbitrary<String> object = Combinators.combine(Arbitraries.of(FIELDS), Arbitraries.lazy(() -> jsonValue(depth - 1)))
                .as((k, v) -> quote(k) + ": " + v).list().ofMaxSize(5)
                .map(fields -> "{" + String.join(", ", fields) + "}");
        return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(2, array), Tuple.of(3, object));
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static Arbitrary<Body> nanAndInfinity() {
        return Combinators.combine(Arbitraries.of(NAN_INF).list().ofMinSize(1).ofMaxSize(8), Arbitraries.integers().between(0, 2))
                .as((tokens, protocol) -> {
                    String row = String.join(", ", tokens);
                    return Body.json("NaN and Infinity", switch (protocol) {
                        case 0 -> "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, "
                                + tokens.size() + "], \"data\": [" + row + "]}]}";
                        case 1 -> "{\"instances\": [[" + row + "]]}";
                        default -> "{\"features\": [" + row + "]}";
                    });
                });
    }

    /** V2 inputs whose shape, datatype and data disagree, including shapes of billions of elements. */
    private static Arbitrary<Body> shapeLies() {
        return Combinators.combine(Arbitraries.of(DIMENSIONS).list().ofMaxSize(6), Arbitraries.of(DATATYPES),
                Arbitraries.integers().between(0, 12), Arbitraries.of("float_input", "input", "x"),
                Arbitraries.of(true, false)).as((shape, type, count, name, nested) -> {
                    String data = java.util.stream.IntStream.range(0, count).mapToObj(i -> String.valueOf(i * 0.5))
                            .collect(Collectors.joining(", "));
                    String dims = shape.stream().map(String::valueOf).collect(Collectors.joining(", "));
                    return Body.json("shape lies", "{\"inputs\": [{\"name\": \"" + name + "\", \"datatype\": \"" + type
                            + "\", \"shape\": [" + dims + "], \"data\": " + (nested ? "[[" + data + "]]" : "[" + data + "]")
                            + "}]}");
                });
    }

    /**
     * The binary extension with a JSON header whose sizes, and an {@code Inference-Header-Content-Length}
     * that, may not match the body: too long, too short, negative, not a number.
     */
    private static Arbitrary<Body> binaryLies() {
        Arbitrary<Long> declaredSize = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(16L)),
                Tuple.of(2, Arbitraries.longs().between(0, 64)),
                Tuple.of(1, Arbitraries.of(-1L, 2_147_483_647L, 2_147_483_648L, Long.MAX_VALUE, 40_000_000_000L)));
        Arbitrary<String> shape = Arbitraries.of("[1, 4]", "[4]", "[100000, 100000]", "[0, 4]", "[2, 4]", "[1, 1]",
                "[2147483647, 1]");
        Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<Integer> headerSkew = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(3, Arbitraries.integers().between(-20, 20)),
                Tuple.of(1, Arbitraries.of(Integer.MIN_VALUE, Integer.MAX_VALUE, 1_000_000)));
        Arbitrary<String> headerForm = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just("%d")),
                Tuple.of(1, Arbitraries.of("", " ", "abc", "%d.0", " %d ", "0x%x", "%d%d", "99999999999999999999",
                        "-0", "+%d")));
        return Combinators.combine(declaredSize, shape, Arbitraries.of("FP32", "BYTES", "INT64", "BOOL", "FP16"), payload,
                headerSkew, headerForm).as((size, dims, type, bytes, skew, form) -> {
                    byte[] json = ("{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"" + type + "\", \"shape\": "
                            + dims + ", \"parameters\": {\"binary_data_size\": " + size + "}}],"
                            + " \"outputs\": [{\"name\": \"output_probability\", \"parameters\": {\"binary_data\": true}}]}")
                            .getBytes(StandardCharsets.UTF_8);
                    byte[] body = java.util.Arrays.copyOf(json, json.length + bytes.length);
                    System.arraycopy(bytes, 0, body, json.length, bytes.length);
                    long declared = (long) json.length + skew;
                    String header = form.contains("%") ? String.format(Locale.ROOT, form, declared, declared) : form;
                    return new Body("binary lies", body, "application/octet-stream", header);
                });
    }

    private static Arbitrary<Body> randomBytes() {
        return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(2048),
                Arbitraries.of("application/json", "application/octet-stream")).as((bytes, type) ->
                new Body("random bytes", bytes, type, type.equals("application/octet-stream")
                        ? String.valueOf(Math.min(bytes.length, 17)) : null));
    }
}
