package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import io.kubeserve.http.undertow.KubeServeHandler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Ten thousand generated bad requests ({@link HostileRequests}) against one real server on
 * loopback, one at a time: none may get a 5xx (but a 503 with {@code Retry-After}, the documented
 * overload and not-ready answer), none may hang, every error is JSON {@code {"error": "..."}} with
 * no stack trace; and afterwards the server is ready and still predicts iris correctly.
 *
 * <p>Requests go one at a time on purpose: this is about what a request's content does, not about
 * load, and a sequential run keeps every 503 meaningful.
 */
class BadRequestFuzzTest {

    private static final int TRIES = 10_000;
    private static final int LIMIT = 64 * 1024;
    /** Counted in place of a status: closed without an answer, only ever for a body over the limit. */
    private static final int CLOSED = 0;
    /** Far beyond any answer on loopback; reaching it means the server hung on the request. */
    private static final Duration HANG = Duration.ofSeconds(10);

    private static RunningServer server;
    private static List<String> routes;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(HANG).build();
    private static final Map<Integer, AtomicInteger> BY_STATUS = new ConcurrentSkipListMap<>();
    private static final Map<String, Map<Integer, Integer>> BY_KIND = new ConcurrentHashMap<>();
    private static long startNanos;
    /** The request before the current one, in failure reports: a broken connection may be its doing. */
    private static volatile String previous = "none";

    @BeforeContainer
    static void start() {
        // a small body limit makes the 413 path cheap to reach; /predict needs a default with two models
        server = new RunningServer(ServerConfig.defaults(RunningServer.EXAMPLES).withMaxBodyBytes(LIMIT)
                .withDefaultModel("iris"));
        routes = KubeServeHandler.builder(server.server.registry()).workers(Runnable::run).build().routes();
        startNanos = System.nanoTime();
    }

    @Provide
    Arbitrary<HostileRequests.Hostile> hostile() {
        return HostileRequests.any(routes);
    }

    // shrinking would replay thousands of HTTP requests; the failing request is printed as it was sent.
    // No edge cases: mixed in, they repeat the same few combinations (method "A", the first route)
    // thousands of times; the generators list the interesting values themselves.
    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void noRequestGetsA5xxHangsOrANonJsonError(@ForAll("hostile") HostileRequests.Hostile request) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server.port()
                        + request.path()))
                .timeout(HANG)
                .method(request.method(), request.body().length == 0 && request.method().equals("GET")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.contentType() != null) {
            builder.header("Content-Type", request.contentType());
        }
        if (request.inferenceHeader() != null) {
            builder.header("Inference-Header-Content-Length", request.inferenceHeader());
        }
        if (request.authorization() != null) {
            builder.header("Authorization", request.authorization());
        }
        HttpResponse<String> response;
        try {
            response = CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new AssertionError("no answer within " + HANG.toSeconds() + " s: " + request, e);
        } catch (IOException e) {
            if (request.body().length > LIMIT) {
                // the server stops reading a body over the limit and closes; a client still sending
                // may see the connection reset before it reads the answer (no lingering close)
                BY_STATUS.computeIfAbsent(CLOSED, s -> new AtomicInteger()).incrementAndGet();
                BY_KIND.computeIfAbsent(request.kind(), k -> new ConcurrentSkipListMap<>()).merge(CLOSED, 1, Integer::sum);
                return;
            }
            throw new AssertionError("connection failed (" + e + "): " + request + "\nafter " + previous, e);
        } finally {
            previous = request.toString();
        }
        int status = response.statusCode();
        BY_STATUS.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        BY_KIND.computeIfAbsent(request.kind(), k -> new ConcurrentSkipListMap<>()).merge(status, 1, Integer::sum);

        String what = status + " " + response.body() + "\nfor " + request;
        boolean documented503 = status == 503 && response.headers().firstValue("Retry-After").isPresent();
        assertThat(status < 500 || documented503).as("5xx: %s", what).isTrue();
        if (status >= 400 && !request.method().equals("HEAD")) {
            assertThat(response.headers().firstValue("Content-Type")).as(what).hasValue("application/json");
            JsonNode error = RunningServer.parse(response.body());
            assertThat(error.isObject()).as(what).isTrue();
            assertThat(error.fieldNames()).toIterable().as(what).containsExactly("error");
            assertThat(error.get("error").isTextual()).as(what).isTrue();
            assertThat(TestTools.LEAKED_INTERNALS.matcher(error.get("error").asText()).find())
                    .as("internals leaked: %s", what).isFalse();
        }
    }

    @AfterContainer
    static void serverIsStillHealthyAndCorrect() {
        try {
            long seconds = Duration.ofNanos(System.nanoTime() - startNanos).toSeconds();
            int total = BY_STATUS.values().stream().mapToInt(AtomicInteger::get).sum();
            System.out.println("BadRequestFuzzTest: " + total + " requests in " + seconds + " s; by status "
                    + new TreeMap<>(BY_STATUS) + " (0: connection closed while sending a body over the limit)");
            new TreeMap<>(BY_KIND).forEach((kind, counts) -> System.out.println("  " + kind + ": " + counts));

            assertThat(total).isEqualTo(TRIES);
            // the generators must reach every kind of refusal, or they test less than they claim
            assertThat(BY_STATUS.keySet()).contains(200, 400, 404, 405, 413, 415);

            assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> iris = server.post("/v2/models/iris/infer", "{\"inputs\": [{\"name\": \"float_input\","
                    + " \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [5.1, 3.5, 1.4, 0.2]}]}");
            assertThat(iris.statusCode()).as(iris.body()).isEqualTo(200);
            assertThat(RunningServer.parse(iris.body()).at("/outputs/2/data/0").asText()).isEqualTo("setosa");
        } finally {
            server.close();
        }
    }
}
