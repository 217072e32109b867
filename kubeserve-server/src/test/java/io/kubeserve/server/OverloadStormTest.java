package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;


import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hundred clients at once against a slow model whose queue takes four: the surplus is refused
 * with 503, the heap does not keep what the storm brought, and once it has passed every request
 * succeeds again. How fast a refusal comes is printed, not asserted (a shared machine decides it):
 * that a full queue is refused without waiting for the model is asserted without a clock by
 * {@link BlockedModelTest} (refused while the engine is still held).
 */
class OverloadStormTest {

    private static final int CLIENTS = 200;
    private static final int QUEUE = 4;
    private static final int SLEEP_MILLIS = 1_000;
    private static final String BODY = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], \"data\": [1]}]}";

    @TempDir
    Path repo;

    private record Outcome(int status, long startNanos, long endNanos, String retryAfter, String body) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    @Test
    void aStormIsRefusedFastWithBoundedMemoryAndTheServerRecovers() throws Exception {
        Files.createDirectories(repo.resolve("slow/1"));
        Files.writeString(repo.resolve("slow/1/model.slow"), Integer.toString(SLEEP_MILLIS));
        Files.writeString(repo.resolve("slow/config.json"), "{\"instance_group\": [{\"count\": 1}], \"max_queue_size\": " + QUEUE + "}");
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            HttpRequest request = HttpRequest.newBuilder(server.uri("/v2/models/slow/infer"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
            // one warm call: the first use of the client and the endpoint is not what is measured
            assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            long heapBefore = heapAfterGc();

            long stormStart = System.nanoTime();
            List<CompletableFuture<Outcome>> storm = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                long start = System.nanoTime();
                storm.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> new Outcome(r.statusCode(), start, System.nanoTime(),
                                r.headers().firstValue("Retry-After").orElse(null), r.body())));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (CompletableFuture<Outcome> future : storm) {
                outcomes.add(future.get(120, TimeUnit.SECONDS));
            }
            long stormEnd = System.nanoTime();

            List<Outcome> served = outcomes.stream().filter(o -> o.status() == 200).toList();
            List<Outcome> refused = outcomes.stream().filter(o -> o.status() != 200).toList();
            for (Outcome o : refused) {
                assertThat(o.status()).as(o.body()).isEqualTo(503);
                assertThat(o.retryAfter()).isEqualTo("1");
                assertThat(RunningServer.parse(o.body()).get("error").asText()).contains("overloaded");
            }
            // each model call admits one more from the queue: 1 running + 4 waiting, plus one per call
            // that finished while the refusals were still arriving
            long lastRefusal = refused.stream().mapToLong(Outcome::endNanos).max().orElse(stormStart);
            long callsDuringArrival = TimeUnit.NANOSECONDS.toMillis(lastRefusal - stormStart) / SLEEP_MILLIS;
            assertThat(served.size()).isBetween(1, 1 + QUEUE + (int) callsDuringArrival + 1);

            long[] refusalMillis = refused.stream().mapToLong(Outcome::millis).sorted().toArray();
            long p50 = percentile(refusalMillis, 50);
            long p99 = percentile(refusalMillis, 99);

            long heapAfter = heapAfterGc();
            // nothing of the storm may stay on the heap; 64 MB is generous for 200 small requests
            assertThat(heapAfter - heapBefore).as("heap growth after GC, bytes").isLessThan(64L << 20);

            long recoveryStart = System.nanoTime();
            HttpResponse<String> first = client.send(request, HttpResponse.BodyHandlers.ofString());
            long recoveryMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - recoveryStart);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            for (int i = 0; i < 5; i++) {
                assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
            assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);

            System.out.printf("OverloadStormTest: %d clients, queue %d, model %d ms: %d served, %d refused (503);"
                            + " refusal latency p50 %d ms, p99 %d ms, max %d ms; storm took %d ms; heap after GC %d -> %d MB;"
                            + " first request after the storm: 200 in %d ms%n",
                    CLIENTS, QUEUE, SLEEP_MILLIS, served.size(), refused.size(), p50, p99,
                    refusalMillis.length == 0 ? 0 : refusalMillis[refusalMillis.length - 1],
                    TimeUnit.NANOSECONDS.toMillis(stormEnd - stormStart), heapBefore >> 20, heapAfter >> 20, recoveryMillis);
        }
    }

    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static long heapAfterGc() throws InterruptedException {
        // two collections and a pause: the first may only promote, and reference processing lags
        for (int i = 0; i < 2; i++) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
