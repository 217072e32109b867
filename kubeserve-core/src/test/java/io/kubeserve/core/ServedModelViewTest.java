package io.kubeserve.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KubeServe#model} is a view of the model as served: it follows reloads, its predictor leases
 * the version for each request, and closing it closes nothing. A stub engine answers with its own
 * version label and records when each version is closed.
 */
class ServedModelViewTest {

    @TempDir
    Path dir;

    private final Map<String, StubModel> loaded = new ConcurrentHashMap<>();

    @Test
    void theViewFollowsAReloadAndItsCloseClosesNothing() throws IOException {
        Repository repository = new Repository(dir, "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repository).loaders(List.of(new StubLoader())).build()) {
            Model view = kubeServe.model("m");
            assertThat(view.metadata().version()).isEqualTo("1");
            assertThat(servedVersion(view.predictor().predict(request()))).isEqualTo("1");

            repository.versions = List.of("2");
            kubeServe.registry().refresh();
            assertThat(view.metadata().version()).isEqualTo("2");
            assertThat(servedVersion(view.predictor().predict(request()))).isEqualTo("2");

            view.close();
            assertThat(loaded.get("2").closed).isFalse();
            assertThat(servedVersion(view.predictor().predict(request()))).isEqualTo("2");
        }
        assertThat(loaded.get("2").closed).isTrue();
    }

    @Test
    void aRequestInFlightThroughTheViewKeepsItsVersionOpenAcrossAReload() throws Exception {
        Repository repository = new Repository(dir, "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repository).loaders(List.of(new StubLoader())).build()) {
            StubModel first = loaded.get("1");
            first.answerLater = new CompletableFuture<>();
            CompletableFuture<InferenceResponse> pending =
                    kubeServe.model("m").predictor().predictAsync(request()).toCompletableFuture();

            repository.versions = List.of("2");
            kubeServe.registry().refresh();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !first.closed.get());

            first.answerLater.complete(null);
            assertThat(servedVersion(pending.get(10, TimeUnit.SECONDS))).isEqualTo("1");
            await().atMost(Duration.ofSeconds(10)).untilTrue(first.closed);
        }
    }

    @Test
    void aCancelledRequestReleasesItsVersion() throws Exception {
        version1IsReleasedAfter(kubeServe ->
                kubeServe.model("m").predictor().predictAsync(request()).toCompletableFuture().cancel(false));
    }

    @Test
    void aBlockingPredictWhoseThreadIsInterruptedReleasesItsVersion() throws Exception {
        version1IsReleasedAfter(kubeServe -> {
            Predictor predictor = kubeServe.predictor("m");
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    predictor.predict(request());
                } catch (RuntimeException e) {
                    thrown.set(e);
                }
            });
            caller.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> caller.getState() == Thread.State.WAITING);
            caller.interrupt();
            try {
                caller.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThat(thrown.get()).hasMessageContaining("interrupted");
        });
    }

    /**
     * Version 1 answers only when told; {@code giveUp} starts a request and gives up on it; then the
     * engine finishes it and version 2 replaces 1, which must close soon: a lease left held would
     * keep it open for the whole drain time (60 s).
     */
    private void version1IsReleasedAfter(Consumer<KubeServe> giveUp) throws IOException {
        Repository repository = new Repository(dir, "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repository).loaders(List.of(new StubLoader())).build()) {
            StubModel first = loaded.get("1");
            first.answerLater = new CompletableFuture<>();
            giveUp.accept(kubeServe);
            first.answerLater.complete(null);

            repository.versions = List.of("2");
            kubeServe.registry().refresh();
            await().atMost(Duration.ofSeconds(10)).untilTrue(first.closed);
        }
    }

    @Test
    void anUnknownModelFailsAtOnceAndAnUnloadedOneOnItsNextUse() throws IOException {
        try (KubeServe kubeServe = KubeServe.builder().repository(new Repository(dir, "1"))
                .loaders(List.of(new StubLoader())).build()) {
            assertThatThrownBy(() -> kubeServe.model("nope")).isInstanceOfSatisfying(KubeServeException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
            Model view = kubeServe.model("m");
            kubeServe.registry().unload("m");
            assertThatThrownBy(view::metadata).isInstanceOfSatisfying(KubeServeException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_READY));
            assertThatThrownBy(() -> view.predictor().predict(request())).isInstanceOfSatisfying(
                    KubeServeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_READY));
        }
    }

    private static InferenceRequest request() {
        return InferenceRequest.of("x", Tensor.ofFloats(new long[] {1, 1}, 1f));
    }

    /** The version label of the stub that answered. */
    private static String servedVersion(InferenceResponse response) {
        return response.modelVersion();
    }

    /** One model, {@code m}, whose versions are whatever the test sets; each version has its own file. */
    private static final class Repository implements ModelRepository {

        private final Path dir;
        volatile List<String> versions;

        Repository(Path dir, String... versions) {
            this.dir = dir;
            this.versions = List.of(versions);
        }

        @Override
        public List<String> modelNames() {
            return List.of("m");
        }

        @Override
        public List<ModelSource> versions(String modelName) {
            return versions.stream().map(version -> {
                Path file = dir.resolve("m-" + version + ".stub");
                try {
                    if (!Files.exists(file)) {
                        Files.writeString(file, version);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return new ModelSource("m", version, file, ModelConfig.DEFAULT);
            }).toList();
        }

        @Override
        public String describe() {
            return dir.toString();
        }
    }

    private final class StubLoader implements ModelLoader {

        @Override
        public String engine() {
            return "stub";
        }

        @Override
        public boolean supports(ModelSource source) {
            return source.fileName().endsWith(".stub");
        }

        @Override
        public Model load(ModelSource source) {
            StubModel model = new StubModel(new ModelMetadata(source.name(), source.version(), "stub", List.of(),
                    List.of(), List.of()));
            loaded.put(source.version(), model);
            return model;
        }
    }

    /**
     * Answers every request with its own name and version, echoing the inputs; at once, or when
     * {@link #answerLater} completes if a test set it. Refuses requests once closed.
     */
    private static final class StubModel implements Model {

        final ModelMetadata metadata;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile CompletableFuture<Void> answerLater = CompletableFuture.completedFuture(null);

        StubModel(ModelMetadata metadata) {
            this.metadata = metadata;
        }

        @Override
        public ModelMetadata metadata() {
            return metadata;
        }

        @Override
        public Predictor predictor() {
            return this::answer;
        }

        private CompletionStage<InferenceResponse> answer(InferenceRequest request) {
            if (closed.get()) {
                return CompletableFuture.failedFuture(new IllegalStateException("closed model used"));
            }
            return answerLater.thenApply(ignored -> new InferenceResponse(request.id(), metadata.name(),
                    metadata.version(), request.inputs()));
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
