package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedder's own readiness condition ({@code readyWhen}): the probes wait for it as for the models. */
class ReadinessConditionTest {

    private static final Path IRIS = Path.of("..", "examples", "models", "iris").toAbsolutePath().normalize();

    @Test
    void readinessWaitsForTheConditionWithItsReasonThenAnswers200(@TempDir Path repository) throws Exception {
        Path version = Files.createDirectories(repository.resolve("iris").resolve("1"));
        Files.copy(IRIS.resolve("1").resolve("model.onnx"), version.resolve("model.onnx"));
        AtomicBoolean grpcUp = new AtomicBoolean();
        try (ModelRegistry registry = new ModelRegistry(FileSystemModelRepository.open(repository),
                ModelRegistry.defaultLoaders())) {
            registry.loadAll(1);
            KubeServeHandler handler = KubeServeHandler.builder(registry).workers(Runnable::run)
                    .readyWhen(grpcUp::get, "the gRPC listener is starting").build();
            try (LocalListener listener = LocalListener.start(handler)) {
                URI ready = listener.uri("/v2/health/ready");
                HttpClient client = HttpClient.newHttpClient();

                HttpResponse<String> waiting = client.send(HttpRequest.newBuilder(ready).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(waiting.statusCode()).isEqualTo(503);
                assertThat(waiting.body()).isEqualTo("{\"ready\":false,\"reason\":\"the gRPC listener is starting\"}");

                grpcUp.set(true);
                HttpResponse<String> up = client.send(HttpRequest.newBuilder(ready).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(up.statusCode()).isEqualTo(200);
                assertThat(up.body()).isEqualTo("{\"ready\":true}");
            }
        }
    }
}
