package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;


import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full model queue is refused at once with 503 (or 429) and {@code Retry-After}, the server
 * recovers when the burst is over, and a request past its deadline gets a clear 504.
 */
class OverloadTest {

    private static final String BODY = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], \"data\": [1]}]}";

    @TempDir
    Path repo;

    private void slowModel(String name, long sleepMillis, String config) throws Exception {
        Files.createDirectories(repo.resolve(name + "/1"));
        Files.writeString(repo.resolve(name + "/1/model.slow"), Long.toString(sleepMillis));
        Files.writeString(repo.resolve(name + "/config.json"), config);
    }

    @Test
    void aBurstBeyondTheQueueIsRefusedFastAndTheServerRecovers() throws Exception {
        slowModel("slow", 300, "{\"instance_group\": [{\"count\": 1}], \"max_queue_size\": 2}");
        for (int status : new int[] {503, 429}) {
            try (RunningServer server = new RunningServer(ServerConfig.defaults(repo).withOverloadStatus(status))) {
                ExecutorService clients = Executors.newFixedThreadPool(12);
                try {
                    List<Future<HttpResponse<String>>> burst = new ArrayList<>();
                    for (int i = 0; i < 12; i++) {
                        burst.add(clients.submit(() -> server.post("/v2/models/slow/infer", BODY)));
                    }
                    int ok = 0;
                    int refused = 0;
                    for (Future<HttpResponse<String>> future : burst) {
                        HttpResponse<String> response = future.get(60, TimeUnit.SECONDS);
                        if (response.statusCode() == 200) {
                            ok++;
                        } else {
                            assertThat(response.statusCode()).isEqualTo(status);
                            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
                            assertThat(response.body()).contains("overloaded");
                            refused++;
                        }
                    }
                    assertThat(ok).isBetween(1, 3 + 1);
                    assertThat(refused).isEqualTo(12 - ok);
                } finally {
                    clients.shutdownNow();
                }
                HttpResponse<String> after = server.post("/v2/models/slow/infer", BODY);
                assertThat(after.statusCode()).isEqualTo(200);
                assertThat(server.get("/metrics").body())
                        .containsPattern("inference_requests_total\\{model=\"slow\",protocol=\"v2\",status=\"overloaded\"} [1-9]");
            }
        }
    }

    @Test
    void aRequestPastItsDeadlineGetsATimeout() throws Exception {
        slowModel("stuck", 2_000, "{\"request_timeout_ms\": 100}");
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            HttpResponse<String> response = server.post("/v2/models/stuck/infer", BODY);
            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.body()).contains("did not answer within 100 ms");
            assertThat(server.get("/v2/health/live").statusCode()).isEqualTo(200);
        }
    }
}
