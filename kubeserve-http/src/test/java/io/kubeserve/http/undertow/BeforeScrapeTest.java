package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beforeScrape}: meters an embedder binds late are in the very first {@code /metrics} answer. */
class BeforeScrapeTest {

    @Test
    void theActionRunsBeforeEachScrapeSoLateMetersAreInTheFirstAnswer(@TempDir Path repository) throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicInteger runs = new AtomicInteger();
        Runnable bindLate = () -> {
            if (runs.getAndIncrement() == 0) {
                meters.gauge("late_bound", 42);
            }
        };
        try (ModelRegistry registry = new ModelRegistry(FileSystemModelRepository.open(repository),
                ModelRegistry.defaultLoaders())) {
            KubeServeHandler handler = KubeServeHandler.builder(registry).workers(Runnable::run).meters(meters)
                    .beforeScrape(bindLate).build();
            try (LocalListener listener = LocalListener.start(handler)) {
                HttpClient client = HttpClient.newHttpClient();
                assertThat(runs).hasValue(0);
                for (int scrape = 1; scrape <= 2; scrape++) {
                    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(listener.uri("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode()).isEqualTo(200);
                    assertThat(answer.body()).contains("late_bound 42.0");
                    assertThat(runs).hasValue(scrape);
                }
            }
        }
    }
}
