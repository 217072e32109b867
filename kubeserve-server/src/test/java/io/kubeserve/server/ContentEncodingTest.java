package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Content-Encoding} on request bodies and {@code Accept-Encoding} on responses (field case
 * 09): every coding on every inference endpoint, bodies decoded on the I/O thread and on a worker,
 * chunked bodies, bombs, unknown and broken codings. The right prediction is scikit-learn's, from
 * {@code iris_logreg.expected.json}; a compressed request must get the very answer the plain one gets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContentEncodingTest {

    private static final long LIMIT = 1 << 20;

    @TempDir
    static Path repo;

    private RunningServer server;
    private JsonNode iris;

    @BeforeAll
    void start() {
        server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(repo)).withMaxBodyBytes(LIMIT));
        iris = RunningServer.expected("iris_logreg");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    // ---- the codings -------------------------------------------------------------------------

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** zlib format, what RFC 9110 calls deflate (Python's {@code zlib.compress}). */
    static byte[] zlib(byte[] data) {
        return deflate(data, false);
    }

    /** Raw deflate without the zlib header, which some clients send as deflate. */
    static byte[] rawDeflate(byte[] data) {
        return deflate(data, true);
    }

    private static byte[] deflate(byte[] data, boolean raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            deflate.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private record Coding(String header, UnaryOperator<byte[]> encode) {
        @Override
        public String toString() {
            return header;
        }
    }

    private static final List<Coding> CODINGS = List.of(
            new Coding("gzip", ContentEncodingTest::gzip),
            new Coding("x-gzip", ContentEncodingTest::gzip),
            new Coding("GZIP", ContentEncodingTest::gzip),
            new Coding("deflate", ContentEncodingTest::zlib),
            new Coding("deflate", ContentEncodingTest::rawDeflate),
            new Coding("identity", data -> data),
            new Coding("gzip, identity", ContentEncodingTest::gzip),
            // listed in the order applied: deflate first, then gzip over it
            new Coding("deflate, gzip", data -> gzip(zlib(data))));

    private record Endpoint(String path, String body) {
        @Override
        public String toString() {
            return path;
        }
    }

    private String row() {
        return iris.get("sample_inputs").get("float_input").get(0).toString();
    }

    private List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("/v2/models/iris/infer", "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\","
                        + " \"shape\": [1, 4], \"data\": " + row() + "}]}"),
                new Endpoint("/v1/models/iris:predict", "{\"instances\": [" + row() + "]}"),
                new Endpoint("/predict", "{\"data\": [" + row() + "]}"));
    }

    Stream<Arguments> everyCodingOnEveryEndpoint() {
        List<Arguments> cases = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            for (Coding coding : CODINGS) {
                cases.add(Arguments.of(endpoint, coding, false));
                cases.add(Arguments.of(endpoint, coding, true));
            }
        }
        return cases.stream();
    }

    private HttpResponse<String> post(String path, byte[] body, String encoding, boolean chunked, String... headers) {
        HttpRequest.BodyPublisher publisher = chunked
                // no length known up front: the client sends Transfer-Encoding: chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
                .POST(publisher);
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return server.send(request.build());
    }

    @ParameterizedTest(name = "{0} Content-Encoding: {1}, chunked {2}")
    @MethodSource("everyCodingOnEveryEndpoint")
    void aCompressedBodyGetsTheAnswerOfThePlainOne(Endpoint endpoint, Coding coding, boolean chunked) {
        byte[] plain = endpoint.body().getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> reference = post(endpoint.path(), plain, null, false);
        HttpResponse<String> response = post(endpoint.path(), coding.encode().apply(plain), coding.header(), chunked);

        assertThat(reference.statusCode()).as(reference.body()).isEqualTo(200);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(RunningServer.parse(response.body())).isEqualTo(RunningServer.parse(reference.body()));
        if (endpoint.path().startsWith("/v2")) {
            JsonNode label = outputData(RunningServer.parse(response.body()), "output_label");
            assertThat(label.get(0).asInt()).isEqualTo(iris.get("expected").get("label").get(0).asInt());
        }
    }

    private static JsonNode outputData(JsonNode response, String name) {
        for (JsonNode output : response.get("outputs")) {
            if (output.get("name").asText().equals(name)) {
                return output.get("data");
            }
        }
        throw new AssertionError("no output " + name + " in " + response);
    }

    /** Rows of the reference inputs, repeated to {@code count}, and their scikit-learn labels. */
    private String batch(int count) {
        JsonNode rows = iris.get("sample_inputs").get("float_input");
        StringBuilder data = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            data.append(i == 0 ? "" : ",").append(rows.get(i % rows.size()));
        }
        return "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [" + count + ", 4],"
                + " \"data\": " + data.append(']') + "}]}";
    }

    private void assertBatchLabels(HttpResponse<String> response, int count) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode labels = outputData(RunningServer.parse(response.body()), "output_label");
        JsonNode expected = iris.get("expected").get("label");
        assertThat(labels.size()).isEqualTo(count);
        for (int i = 0; i < count; i++) {
            assertThat(labels.get(i).asInt()).as("row %d", i).isEqualTo(expected.get(i % expected.size()).asInt());
        }
    }

    @Test
    void aSmallBodyThatInflatesPastTheInlineSizeIsFinishedOnAWorker() {
        // about 40 KB of JSON, a few KB compressed: read inline, decoded partly inline, then on a worker
        byte[] plain = batch(1000).getBytes(StandardCharsets.UTF_8);
        byte[] compressed = gzip(plain);
        assertThat(compressed.length).isLessThan(16 * 1024);
        assertThat(plain.length).isGreaterThan(16 * 1024);
        assertBatchLabels(post("/v2/models/iris/infer", compressed, "gzip", false), 1000);
        assertBatchLabels(post("/v2/models/iris/infer", zlib(plain), "deflate", true), 1000);
    }

    @Test
    void aDecodedBodyJustUnderTheLimitIsServed() {
        byte[] plain = batch(14_000).getBytes(StandardCharsets.UTF_8);
        assertThat((long) plain.length).isBetween(LIMIT / 2, LIMIT);
        assertBatchLabels(post("/v2/models/iris/infer", gzip(plain), "gzip", false), 14_000);
    }

    Stream<Arguments> bombs() {
        // 20 MB of zeros as the padding of a valid request: about 20 KB compressed, 20 times the limit decoded
        byte[] plain = ("{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": "
                + row() + "}], \"parameters\": {\"pad\": \"" + "0".repeat(20_000_000) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] gzipped = gzip(plain);
        byte[] zlibbed = zlib(plain);
        List<Arguments> cases = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            cases.add(Arguments.of(endpoint.path(), "gzip", gzipped));
            cases.add(Arguments.of(endpoint.path(), "deflate", zlibbed));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bombs")
    void aBodyThatInflatesPastTheLimitIs413AndTheServerCarriesOn(String path, String encoding, byte[] bomb) {
        assertThat(bomb.length).isLessThan(64 * 1024);
        HttpResponse<String> response = post(path, bomb, encoding, false);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(RunningServer.parse(response.body()).get("error").asText())
                .contains("larger than the limit of " + LIMIT + " bytes once decoded");
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(post("/v2/models/iris/infer", gzip(endpoints().get(0).body().getBytes(StandardCharsets.UTF_8)),
                "gzip", false).statusCode()).isEqualTo(200);
    }

    Stream<Arguments> unknownCodings() {
        List<Arguments> cases = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            for (String coding : List.of("br", "compress", "zstd", "gzip, br", "chunked")) {
                cases.add(Arguments.of(endpoint, coding));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} Content-Encoding: {1}")
    @MethodSource("unknownCodings")
    void anUnknownCodingIs415NamingItAndTheOnesThatWork(Endpoint endpoint, String coding) {
        // a plain body under an unknown coding: never read as if the header were absent
        HttpResponse<String> response = post(endpoint.path(), endpoint.body().getBytes(StandardCharsets.UTF_8), coding,
                false);

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.headers().firstValue("Accept-Encoding")).hasValue("gzip, deflate");
        String error = RunningServer.parse(response.body()).get("error").asText();
        assertThat(error).contains("Content-Encoding", "is not supported", "gzip, deflate");
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
    }

    Stream<Arguments> brokenBodies() {
        byte[] plain = endpoints().get(0).body().getBytes(StandardCharsets.UTF_8);
        byte[] gzipped = gzip(plain);
        byte[] zlibbed = zlib(plain);
        return Stream.of(
                Arguments.of("plain JSON sent as gzip", "gzip", plain, "Not in GZIP format"),
                Arguments.of("gzip cut short", "gzip", java.util.Arrays.copyOf(gzipped, gzipped.length / 2), "ends too early"),
                Arguments.of("zlib cut short", "deflate", java.util.Arrays.copyOf(zlibbed, zlibbed.length / 2), "ends too early"),
                Arguments.of("empty gzip body", "gzip", new byte[0], "ends too early"),
                Arguments.of("gzip header then garbage", "gzip", garbageAfterGzipHeader(), "not valid gzip data"));
    }

    private static byte[] garbageAfterGzipHeader() {
        byte[] bytes = new byte[64];
        java.util.Arrays.fill(bytes, (byte) 0xFF);
        bytes[0] = 0x1f;
        bytes[1] = (byte) 0x8b;
        bytes[2] = 8;
        bytes[3] = 0;
        return bytes;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenBodies")
    void aBodyThatDoesNotDecodeIs400InOurWords(String what, String coding, byte[] body, String expected) {
        for (Endpoint endpoint : endpoints()) {
            HttpResponse<String> response = post(endpoint.path(), body, coding, false);
            assertThat(response.statusCode()).as(endpoint.path()).isEqualTo(400);
            String error = RunningServer.parse(response.body()).get("error").asText();
            assertThat(error).contains("not valid " + coding.toLowerCase() + " data", expected)
                    .doesNotContain("Exception", "java.");
        }
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
    }

    // ---- responses ---------------------------------------------------------------------------

    private HttpResponse<byte[]> postAccepting(String path, String body, String acceptEncoding) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (acceptEncoding != null) {
            request.header("Accept-Encoding", acceptEncoding);
        }
        return server.sendBytes(request.build());
    }

    private static String gunzip(byte[] body) throws IOException {
        return new String(new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aBigResponseIsCompressedWhenTheClientAsks() throws IOException {
        String request = batch(200);
        HttpResponse<byte[]> plain = postAccepting("/v2/models/iris/infer", request, null);
        HttpResponse<byte[]> gzipped = postAccepting("/v2/models/iris/infer", request, "gzip");
        HttpResponse<byte[]> preferred = postAccepting("/v2/models/iris/infer", request, "br;q=1, deflate;q=0.9, gzip;q=0.5");
        HttpResponse<byte[]> deflateOnly = postAccepting("/v2/models/iris/infer", request, "deflate");
        HttpResponse<byte[]> refused = postAccepting("/v2/models/iris/infer", request, "gzip;q=0, identity");

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.headers().allValues("Vary")).anySatisfy(vary -> assertThat(vary).contains("Accept-Encoding"));
        String expected = new String(plain.body(), StandardCharsets.UTF_8);

        assertThat(gzipped.statusCode()).isEqualTo(200);
        assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gzipped.headers().allValues("Vary")).anySatisfy(vary -> assertThat(vary).contains("Accept-Encoding"));
        assertThat(gzipped.body().length).isLessThan(plain.body().length / 2);
        assertThat(RunningServer.parse(gunzip(gzipped.body()))).isEqualTo(RunningServer.parse(expected));

        // gzip is the one coding the server writes: chosen whatever the client prefers, if it accepts it at all
        assertThat(preferred.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(RunningServer.parse(gunzip(preferred.body()))).isEqualTo(RunningServer.parse(expected));
        assertThat(deflateOnly.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(RunningServer.parse(new String(deflateOnly.body(), StandardCharsets.UTF_8)))
                .isEqualTo(RunningServer.parse(expected));

        assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(RunningServer.parse(new String(refused.body(), StandardCharsets.UTF_8)))
                .isEqualTo(RunningServer.parse(expected));
    }

    @Test
    void aSmallResponseIsSentAsIs() {
        HttpResponse<byte[]> small = postAccepting("/v2/models/iris/infer", endpoints().get(0).body(), "gzip");
        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(small.body().length).isLessThan(1400);
        assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(RunningServer.parse(new String(small.body(), StandardCharsets.UTF_8)).get("model_name").asText())
                .isEqualTo("iris");
    }

    @Test
    void metricsComeGzippedAndHeadStaysPlain() throws IOException {
        HttpResponse<byte[]> get = server.sendBytes(HttpRequest.newBuilder(server.uri("/metrics"))
                .header("Accept-Encoding", "gzip").GET().build());
        assertThat(get.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gunzip(get.body())).contains("# TYPE");
        HttpResponse<byte[]> head = server.sendBytes(HttpRequest.newBuilder(server.uri("/metrics"))
                .header("Accept-Encoding", "gzip").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Encoding")).isEmpty();
    }

    @Test
    void theV1AndSeedAnswersAreCompressedToo() throws IOException {
        JsonNode rows = iris.get("sample_inputs").get("float_input");
        StringBuilder instances = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            instances.append(i == 0 ? "" : ",").append(rows.get(i % rows.size()));
        }
        instances.append(']');
        for (String[] call : new String[][] {{"/v1/models/iris:predict", "{\"instances\": " + instances + "}"},
                {"/predict", "{\"data\": " + instances + "}"}}) {
            HttpResponse<byte[]> plain = postAccepting(call[0], call[1], null);
            HttpResponse<byte[]> gzipped = postAccepting(call[0], call[1], "gzip");
            assertThat(plain.statusCode()).as(call[0]).isEqualTo(200);
            assertThat(gzipped.headers().firstValue("Content-Encoding")).as(call[0]).hasValue("gzip");
            assertThat(RunningServer.parse(gunzip(gzipped.body())))
                    .isEqualTo(RunningServer.parse(new String(plain.body(), StandardCharsets.UTF_8)));
        }
    }

    @Test
    void aCompressedErrorIsStillJson() throws IOException {
        // an error answer follows the same rule: the client asked, so a big one may come compressed
        HttpResponse<byte[]> response = postAccepting("/v2/models/iris/infer", "{\"inputs\": [}", "gzip");
        assertThat(response.statusCode()).isEqualTo(400);
        String body = response.headers().firstValue("Content-Encoding").isPresent() ? gunzip(response.body())
                : new String(response.body(), StandardCharsets.UTF_8);
        assertThat(RunningServer.parse(body).get("error").asText()).isNotEmpty();
    }
}
