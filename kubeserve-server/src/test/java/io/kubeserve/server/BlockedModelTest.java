package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.registry.ModelLease;
import io.kubeserve.core.spi.Scheduler;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose engine is stuck ({@link LatchModelLoader}: held until the test opens its gate),
 * over HTTP: its requests wait in its own queue and hold no thread, so other models and the probes
 * keep answering, a full queue is refused at once, a deadline answers a queued request without the
 * engine ever seeing it, and opening the gate completes what waited.
 *
 * <p>Nothing here measures time: every wait is for a state (a request reached the engine, the
 * queue holds N), with Awaitility, and "at once" means "answered while the engine is still held".
 */
class BlockedModelTest {

    /** Generous: the machines are shared, and a state that is reached is reached long before. */
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @TempDir
    Path repo;

    private void latchModel(String name, String config) throws Exception {
        Files.createDirectories(repo.resolve(name + "/1"));
        Files.writeString(repo.resolve(name + "/1/model.latch"), "");
        Files.writeString(repo.resolve(name + "/config.json"), config);
    }

    @Test
    void aStuckModelWithAFullQueueIsRefusedAtOnceWhileAnotherModelAnswersAndItsQueuedRequestsCompleteWhenFreed()
            throws Exception {
        String held = "isolation_held";
        latchModel(held, "{\"instance_group\": [{\"count\": 1}], \"max_queue_size\": 2}");
        RunningServer.irisOnly(repo);
        LatchModelLoader.Gate gate = LatchModelLoader.gate(held);
        JsonNode iris = RunningServer.expected("iris_logreg");
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            try {
                // A: one request in the engine, two in the queue: the queue is full
                CompletableFuture<HttpResponse<String>> running = postAsync(server.client, server, held, 1);
                await().atMost(PATIENCE).until(() -> gate.entered() == 1);
                Scheduler scheduler = scheduler(server, held);
                // one after the other, so the queue's order is the order sent
                List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
                for (int value = 2; value <= 3; value++) {
                    queued.add(postAsync(server.client, server, held, value));
                    int depth = value - 1;
                    await().atMost(PATIENCE).until(() -> scheduler.queueDepth() == depth);
                }

                // B answers, with scikit-learn's numbers: the twenty rows at once, then each alone
                JsonNode rows = iris.get("sample_inputs").get("float_input");
                assertIrisRows(server.post("/v2/models/iris/infer", irisBody(rows.toString(), rows.size())), iris, 0,
                        rows.size());
                for (int row = 0; row < rows.size(); row++) {
                    assertIrisRows(server.post("/v2/models/iris/infer", irisBody("[" + rows.get(row) + "]", 1)), iris,
                            row, 1);
                }

                // more on A: refused while its engine is still held, so without waiting for it
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> refused = server.post("/v2/models/" + held + "/infer", body(10 + i));
                    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
                    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
                    assertThat(RunningServer.parse(refused.body()).get("error").asText()).contains(held, "overloaded");
                }
                assertThat(running).isNotDone();
                assertThat(queued).noneMatch(CompletableFuture::isDone);
                assertThat(gate.ran()).containsExactly(1f);
                assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);

                // freed: the one that ran and the two that waited are answered, in order, with their own values
                gate.open();
                assertEcho(running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS), held, 1);
                assertEcho(queued.get(0).get(PATIENCE.toSeconds(), TimeUnit.SECONDS), held, 2);
                assertEcho(queued.get(1).get(PATIENCE.toSeconds(), TimeUnit.SECONDS), held, 3);
                assertThat(gate.ran()).containsExactly(1f, 2f, 3f);
                assertEcho(server.post("/v2/models/" + held + "/infer", body(4)), held, 4);
            } finally {
                gate.open();
            }
        } finally {
            LatchModelLoader.forget(held);
        }
    }

    /**
     * The bound: 16 threads more than before the requests, for 1,000 requests in flight. What the
     * server may add meanwhile is one execution thread for the model ({@code instance_group: [{count: 1}]}) and a
     * few request workers; a design that parks a thread per waiting request would need about 1,000.
     * The client shares the JVM, so it runs on a fixed pool of two threads, started before the
     * count is taken.
     */
    @Test
    void aThousandRequestsInFlightOnAStuckModelAddAtMostSixteenThreadsAndProbesAnswerMeanwhile() throws Exception {
        String held = "thousand_held";
        int requests = 1_000;
        int threadBound = 16;
        latchModel(held, "{\"instance_group\": [{\"count\": 1}], \"max_queue_size\": " + requests + "}");
        LatchModelLoader.Gate gate = LatchModelLoader.gate(held);
        ExecutorService clientThreads = Executors.newFixedThreadPool(2);
        HttpClient client = HttpClient.newBuilder().executor(clientThreads).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            try {
                // warms the client (selector and executor threads) and the server's I/O path first
                for (int i = 0; i < 4; i++) {
                    assertThat(probe(client, server, "/v2/health/live").statusCode()).isEqualTo(200);
                    assertEcho(send(client, post(server, held, 0)), held, 0);
                }
                int before = threads.getThreadCount();
                TreeMap<String, Long> serverBefore = serverThreads();

                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>(requests);
                for (int i = 1; i <= requests; i++) {
                    answers.add(client.sendAsync(post(server, held, i), HttpResponse.BodyHandlers.ofString()));
                }
                Scheduler scheduler = scheduler(server, held);
                // polled on this thread, so Awaitility adds no thread to the count
                await().atMost(PATIENCE).pollInSameThread().until(() -> scheduler.inFlight() == requests);
                assertThat(gate.entered()).isEqualTo(1);
                assertThat(scheduler.queueDepth()).isEqualTo(requests - 1);

                int during = threads.getThreadCount();
                TreeMap<String, Long> serverDuring = serverThreads();
                System.out.printf("%d requests in flight: %d live threads (%d before); server threads %s (before %s)%n",
                        requests, during, before, serverDuring, serverBefore);
                assertThat(during).as("live threads with %d requests in flight, %d before; server threads by kind"
                                + " before %s, during %s", requests, before, serverBefore, serverDuring)
                        .isLessThanOrEqualTo(before + threadBound);
                assertThat(serverDuring.getOrDefault("kubeserve-" + held + "-v1", 0L))
                        .as("execution threads of the stuck model, %s", serverDuring).isEqualTo(1);

                for (String path : List.of("/v2/health/live", "/v2/health/ready", "/v2/models/" + held + "/ready")) {
                    assertThat(probe(client, server, path).statusCode()).as(path).isEqualTo(200);
                }
                assertThat(threads.getThreadCount()).as("live threads after the probes, %d before", before)
                        .isLessThanOrEqualTo(before + threadBound);
                assertThat(answers).noneMatch(CompletableFuture::isDone);

                gate.open();
                for (int i = 1; i <= requests; i++) {
                    assertEcho(answers.get(i - 1).get(PATIENCE.toSeconds(), TimeUnit.SECONDS), held, i);
                }
                assertThat(gate.ran()).containsExactlyInAnyOrderElementsOf(
                        IntStream.rangeClosed(1, requests).mapToObj(i -> (float) i).toList());
            } finally {
                gate.open();
            }
        } finally {
            LatchModelLoader.forget(held);
            clientThreads.shutdownNow();
        }
    }

    @Test
    void aDeadlineAnswersARequestStillQueuedWith504AndTheEngineNeverSeesIt() throws Exception {
        String held = "deadline_held";
        latchModel(held, "{\"instance_group\": [{\"count\": 1}], \"request_timeout_ms\": 2000}");
        LatchModelLoader.Gate gate = LatchModelLoader.gate(held);
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            try {
                Scheduler scheduler = scheduler(server, held);
                // Hold the engine with one request. That request has a deadline of its own: on a machine
                // too busy to start the execution in time it expires in the queue (the behaviour under
                // test too) and the next one tries; the engine saw none of those.
                List<Float> expiredBeforeRunning = new ArrayList<>();
                CompletableFuture<HttpResponse<String>> running = null;
                float runningValue = 0;
                for (int attempt = 1; running == null; attempt++) {
                    assertThat(attempt).as("attempts to get a request into the engine").isLessThanOrEqualTo(5);
                    CompletableFuture<HttpResponse<String>> first = postAsync(server.client, server, held, attempt);
                    await().atMost(PATIENCE).until(() -> gate.entered() == 1 || first.isDone());
                    if (gate.entered() == 1) {
                        running = first;
                        runningValue = attempt;
                    } else {
                        assertTimedOut(first.join());
                        expiredBeforeRunning.add((float) attempt);
                    }
                }

                HttpResponse<String> queued = postAsync(server.client, server, held, 100)
                        .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertTimedOut(queued);
                assertThat(scheduler.queueDepth()).isZero();
                // the request in the engine passed its deadline too, and was answered without waiting for it
                assertTimedOut(running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                assertThat(gate.returned()).isZero();

                gate.open();
                await().atMost(PATIENCE).until(() -> gate.returned() == 1 && scheduler.inFlight() == 0);
                assertThat(gate.ran()).containsExactly(runningValue).doesNotContain(100f);
                assertThat(expiredBeforeRunning).allSatisfy(value -> assertThat(gate.ran()).doesNotContain(value));

                // the model serves again, and still never ran the expired request
                assertEcho(server.post("/v2/models/" + held + "/infer", body(200)), held, 200);
                assertThat(gate.ran()).containsExactly(runningValue, 200f);
                assertThat(server.get("/metrics").body()).containsPattern(
                        "inference_requests_total\\{model=\"" + held + "\",protocol=\"v2\",status=\"timeout\"} [1-9]");
            } finally {
                gate.open();
            }
        } finally {
            LatchModelLoader.forget(held);
        }
    }

    private static void assertTimedOut(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(RunningServer.parse(response.body()).get("error").asText()).contains("did not answer within 2000 ms");
    }

    /** The scheduler of the model's ready version, for its gauges. */
    private static Scheduler scheduler(RunningServer server, String model) {
        try (ModelLease lease = server.server.registry().acquire(model, null)) {
            return lease.model().scheduler().orElseThrow();
        }
    }

    /**
     * Live threads the server runs, by kind: the thread name without its trailing number
     * ({@code XNIO-1 I/O}, {@code kubeserve-worker}, {@code kubeserve-<model>-v<version>}, ...).
     */
    private static TreeMap<String, Long> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("XNIO-") || name.startsWith("kubeserve-"))
                .map(name -> name.replaceFirst("-\\d+$", ""))
                .collect(Collectors.groupingBy(name -> name, TreeMap::new, Collectors.counting()));
    }

    private static String body(float value) {
        return "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], \"data\": [" + value + "]}]}";
    }

    private static HttpRequest post(RunningServer server, String model, float value) {
        return HttpRequest.newBuilder(server.uri("/v2/models/" + model + "/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(value))).build();
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(HttpClient client, RunningServer server,
                                                                     String model, float value) {
        return client.sendAsync(post(server, model, value), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> probe(HttpClient client, RunningServer server, String path) throws Exception {
        return send(client, HttpRequest.newBuilder(server.uri(path)).GET().build());
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    /** A 200 from the echo engine: {@code y} is the {@code x} sent. */
    private static void assertEcho(HttpResponse<String> response, String model, float value) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode json = RunningServer.parse(response.body());
        assertThat(json.get("model_name").asText()).isEqualTo(model);
        JsonNode output = json.get("outputs").get(0);
        assertThat(output.get("name").asText()).isEqualTo("y");
        assertThat(output.get("data").get(0).floatValue()).isEqualTo(value);
    }

    private static String irisBody(String rows, int count) {
        return "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [" + count
                + ", 4], \"data\": " + rows + "}]}";
    }

    /** Iris answered rows {@code first .. first + count - 1} of the reference with scikit-learn's labels and probabilities. */
    private static void assertIrisRows(HttpResponse<String> response, JsonNode iris, int first, int count) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode json = RunningServer.parse(response.body());
        JsonNode labels = null;
        JsonNode probabilities = null;
        for (JsonNode output : json.get("outputs")) {
            switch (output.get("name").asText()) {
                case "output_label" -> labels = output.get("data");
                case "output_probability" -> probabilities = output.get("data");
                default -> { }
            }
        }
        assertThat(labels).as(response.body()).hasSize(count);
        assertThat(probabilities).as(response.body()).hasSize(count * 3);
        JsonNode expected = iris.get("expected");
        double tolerance = Tolerances.absolute(iris, "probabilities");
        for (int row = 0; row < count; row++) {
            assertThat(labels.get(row).asInt()).isEqualTo(expected.get("label").get(first + row).asInt());
            for (int c = 0; c < 3; c++) {
                assertThat(probabilities.get(row * 3 + c).asDouble())
                        .isCloseTo(expected.get("probabilities").get(first + row).get(c).asDouble(), within(tolerance));
            }
        }
    }
}
