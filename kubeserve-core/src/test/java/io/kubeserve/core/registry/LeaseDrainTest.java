package io.kubeserve.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.spi.Predictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retiring a version waits for the leases held on it, up to the drain timeout, and then closes the
 * model anyway. Uses a stub engine whose models record when they are closed, so no native engine
 * is needed and the close is observed directly.
 */
class LeaseDrainTest {

    @TempDir
    Path dir;

    private final ExecutorService background = Executors.newSingleThreadExecutor();
    private final StubLoader loader = new StubLoader();
    private final List<ModelStatus> told = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    @Test
    void aHeldLeaseDelaysTheCloseOfAReplacedVersionUntilReleased() throws IOException {
        Repository repository = new Repository(dir, "1");
        try (ModelRegistry registry = registry(repository, Duration.ofSeconds(30))) {
            ModelLease lease = registry.acquire("m", null);
            StubModel first = (StubModel) lease.model();
            assertThat(first.metadata().version()).isEqualTo("1");

            repository.versions = List.of("2");
            registry.refresh();

            // requests now go to version 2 while version 1 drains in the background
            try (ModelLease next = registry.acquire("m", null)) {
                assertThat(next.model().metadata().version()).isEqualTo("2");
            }
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !first.closed.get());
            assertThat(told).noneMatch(status -> status.version().equals("1") && status.state() == ModelState.UNLOADED);

            lease.close();
            await().atMost(Duration.ofSeconds(10)).untilTrue(first.closed);
            await().atMost(Duration.ofSeconds(10)).until(() -> told.stream()
                    .anyMatch(status -> status.version().equals("1") && status.state() == ModelState.UNLOADED));
            assertThat(told).filteredOn(status -> status.version().equals("1") && status.state() == ModelState.UNLOADED)
                    .allMatch(status -> status.reason() == null);
        }
    }

    @Test
    void unloadRefusesNewLeasesAndReturnsOnceTheHeldOneIsReleased() throws Exception {
        try (ModelRegistry registry = registry(new Repository(dir, "1"), Duration.ofSeconds(30))) {
            ModelLease lease = registry.acquire("m", "1");
            StubModel model = (StubModel) lease.model();

            CompletableFuture<Void> unloading = CompletableFuture.runAsync(() -> registry.unload("m"), background);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> registry.statuses("m").get(0).state() == ModelState.UNLOADING);
            assertThatThrownBy(() -> registry.acquire("m", "1"))
                    .isInstanceOfSatisfying(KubeServeException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_READY))
                    .hasMessageContaining("version 1 is unloading");
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> !unloading.isDone() && !model.closed.get());

            lease.close();
            unloading.get(10, TimeUnit.SECONDS);
            assertThat(model.closed).isTrue();
            ModelStatus status = registry.statuses("m").get(0);
            assertThat(status.state()).isEqualTo(ModelState.UNLOADED);
            assertThat(status.reason()).isNull();
        }
    }

    @Test
    void theDrainTimeoutClosesTheModelUnderAHeldLeaseAndSaysSo() throws IOException {
        try (ModelRegistry registry = registry(new Repository(dir, "1"), Duration.ofMillis(200))) {
            ModelLease lease = registry.acquire("m", null);
            StubModel model = (StubModel) lease.model();

            long start = System.nanoTime();
            registry.unload("m");
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(waitedMillis).isGreaterThanOrEqualTo(200);
            assertThat(model.closed).isTrue();
            ModelStatus status = registry.statuses("m").get(0);
            assertThat(status.state()).isEqualTo(ModelState.UNLOADED);
            assertThat(status.reason()).isEqualTo("closed after the drain timeout of 200 ms with 1 request(s) still holding it");
            assertThat(told).contains(status);
            lease.close();
            lease.close();
            assertThatThrownBy(() -> registry.acquire("m", null)).isInstanceOf(KubeServeException.class)
                    .hasMessageContaining("version 1 is unloaded");
        }
    }

    @Test
    void closingTheRegistryWaitsForHeldLeasesToo() throws Exception {
        ModelRegistry registry = registry(new Repository(dir, "1"), Duration.ofSeconds(30));
        ModelLease lease = registry.acquire("m", null);
        StubModel model = (StubModel) lease.model();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(registry::close, background);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> !closing.isDone() && !model.closed.get());
        lease.close();
        closing.get(10, TimeUnit.SECONDS);
        assertThat(model.closed).isTrue();
    }

    @Test
    void aDrainTimeoutBelowOneMillisecondIsRefused() {
        assertThatThrownBy(() -> new ModelRegistry(new Repository(dir, "1"), List.of(loader), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drain timeout");
    }

    private ModelRegistry registry(ModelRepository repository, Duration drainTimeout) {
        ModelRegistry registry = new ModelRegistry(repository, List.of(loader), drainTimeout);
        registry.addListener(told::add);
        registry.loadAll(1);
        assertThat(registry.isReady()).isTrue();
        return registry;
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
                    throw new java.io.UncheckedIOException(e);
                }
                return new ModelSource("m", version, file, ModelConfig.DEFAULT);
            }).toList();
        }

        @Override
        public String describe() {
            return dir.toString();
        }
    }

    private static final class StubLoader implements ModelLoader {

        final Map<String, StubModel> loaded = new ConcurrentHashMap<>();

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

    /** A model with no inputs (so no warm-up) that records its close. */
    private static final class StubModel implements Model {

        final ModelMetadata metadata;
        final AtomicBoolean closed = new AtomicBoolean();

        StubModel(ModelMetadata metadata) {
            this.metadata = metadata;
        }

        @Override
        public ModelMetadata metadata() {
            return metadata;
        }

        @Override
        public Predictor predictor() {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
