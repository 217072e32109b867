package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
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
            Undertow server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(handler).build();
            server.start();
            try {
                URI metrics = URI.create("http://127.0.0.1:"
                        + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort() + "/metrics");
                HttpClient client = HttpClient.newHttpClient();
                assertThat(runs).hasValue(0);
                for (int scrape = 1; scrape <= 2; scrape++) {
                    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(metrics).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode()).isEqualTo(200);
                    assertThat(answer.body()).contains("late_bound 42.0");
                    assertThat(runs).hasValue(scrape);
                }
            } finally {
                server.stop();
            }
        }
    }
}
