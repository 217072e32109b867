package io.kubeserve.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.TestModels;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Versions change while requests flow: nobody notices but the version number in the answers. */
@Timeout(300)
class HotReloadTest {

    @TempDir
    Path repo;

    @Test
    void twentySwapsUnderLoadFailNoRequest() throws Exception {
        JsonNode expected = TestModels.expected("mlp_torch");
        TestModels.install(repo, "mlp_torch.onnx", "mlp", "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            Predictor predictor = kubeServe.predictor("mlp");
            ModelRegistry registry = kubeServe.registry();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            Set<String> versionsSeen = ConcurrentHashMap.newKeySet();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                futures.add(clients.submit(() -> {
                    int row = offset;
                    while (running.get()) {
                        row = (row + 1) % 20;
                        InferenceResponse response = predictor.predict(
                                InferenceRequest.of("input", TestModels.sampleRows(expected, "input", row, row + 1)));
                        Tensor output = response.output("output");
                        for (int c = 0; c < 3; c++) {
                            assertThat((double) output.getFloat(c)).isCloseTo(
                                    expected.get("expected").get("output").get(row).get(c).asDouble(), within(1e-4));
                        }
                        versionsSeen.add(response.modelVersion());
                        answered.incrementAndGet();
                    }
                    return null;
                }));
            }
            waitUntil(() -> answered.get() > 20);
            for (int version = 2; version <= 21; version++) {
                TestModels.install(repo, "mlp_torch.onnx", "mlp", Integer.toString(version));
                int before = answered.get();
                registry.refresh();
                assertThat(registry.model("mlp").metadata().version()).isEqualTo(Integer.toString(version));
                waitUntil(() -> answered.get() > before + 20);
            }
            // answers counted above may have begun before the last switch; wait for one from it
            waitUntil(() -> versionsSeen.contains("21"));
            running.set(false);
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            clients.shutdownNow();

            assertThat(answered.get()).isGreaterThan(20 * 20);
            assertThat(versionsSeen).contains("1", "21").hasSizeGreaterThan(5);
            waitUntil(() -> registry.statuses("mlp").size() == 1);
            assertThat(registry.statuses("mlp")).extracting(ModelStatus::version, ModelStatus::state)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("21", ModelState.READY));
        }
    }

    @Test
    void aBrokenNewVersionLeavesTheOldOneServing() {
        TestModels.install(repo, "iris_rf.onnx", "iris", "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            TestModels.write(repo.resolve("iris/2/model.onnx"), "truncated garbage");
            kubeServe.registry().refresh();

            List<ModelStatus> statuses = kubeServe.registry().statuses("iris");
            assertThat(statuses).extracting(ModelStatus::version).containsExactly("2", "1");
            assertThat(statuses.get(0).state()).isEqualTo(ModelState.FAILED);
            assertThat(statuses.get(0).reason()).contains("cannot load ONNX model");
            assertThat(statuses.get(1).state()).isEqualTo(ModelState.READY);
            assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("1");
            assertThatThrownBy(() -> kubeServe.registry().acquire("iris", "2"))
                    .hasMessageContaining("version 2 failed to load");
        }
    }

    @Test
    void replacedFilesOfTheSameVersionAreReloadedAndABadReplacementIsRefused() throws Exception {
        TestModels.install(repo, "iris_rf.onnx", "iris", "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            ModelRegistry registry = kubeServe.registry();
            long firstLoad = registry.statuses("iris").get(0).loadMillis();
            Path file = repo.resolve("iris/1/model.onnx");
            Files.write(file, Files.readAllBytes(file));
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
            registry.refresh();
            assertThat(registry.statuses("iris").get(0).state()).isEqualTo(ModelState.READY);
            assertThat(predictIris(kubeServe).output("output_label").getLong(0)).isZero();

            Files.writeString(file, "broken");
            registry.refresh();
            ModelStatus status = registry.statuses("iris").get(0);
            assertThat(status.state()).isEqualTo(ModelState.READY);
            assertThat(status.reason()).contains("reload failed, still serving the previous files");
            assertThat(predictIris(kubeServe).output("output_label").getLong(0)).isZero();
            assertThat(firstLoad).isNotNegative();
        }
    }

    @Test
    void aChangedConfigAloneReloadsTheVersionAndAnUnchangedOneDoesNot() {
        TestModels.install(repo, "iris_rf.onnx", "iris", "1");
        TestModels.write(repo.resolve("iris/config.json"), "{\"instance_group\": [{\"count\": 1}]}");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            ModelRegistry registry = kubeServe.registry();
            io.kubeserve.core.spi.Model first = irisModel(registry);
            registry.refresh();
            assertThat(irisModel(registry)).as("nothing changed: the same instance serves").isSameAs(first);

            // the model file stays as it was: only the config says something new
            TestModels.write(repo.resolve("iris/config.json"), "{\"instance_group\": [{\"count\": 2}]}");
            registry.refresh();
            assertThat(registry.statuses("iris")).singleElement()
                    .satisfies(status -> assertThat(status.state()).isEqualTo(ModelState.READY));
            assertThat(irisModel(registry)).as("the new config is loaded").isNotSameAs(first);
            assertThat(predictIris(kubeServe).output("output_label").getLong(0)).isZero();
        }
    }

    private static io.kubeserve.core.spi.Model irisModel(ModelRegistry registry) {
        try (ModelLease lease = registry.acquire("iris", "1")) {
            return lease.model();
        }
    }

    @Test
    void versionPoliciesChooseWhatIsServed() {
        for (String version : new String[] {"1", "2", "3"}) {
            TestModels.install(repo, "iris_rf.onnx", "iris", version);
        }
        TestModels.write(repo.resolve("iris/config.json"), "{\"version_policy\": {\"latest\": 2}}");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            ModelRegistry registry = kubeServe.registry();
            assertThat(registry.statuses("iris")).extracting(ModelStatus::version).containsExactly("3", "2");
            try (ModelLease lease = registry.acquire("iris", "2")) {
                // closed, or the registry's close waits a minute for this request to finish
                assertThat(lease.model().metadata().version()).isEqualTo("2");
            }
            assertThatThrownBy(() -> registry.acquire("iris", "1")).hasMessageContaining("no version '1'");

            TestModels.write(repo.resolve("iris/config.json"), "{\"version_policy\": {\"specific\": [1]}}");
            registry.refresh();
            waitUntilQuietly(() -> registry.statuses("iris").size() == 1);
            assertThat(registry.statuses("iris")).extracting(ModelStatus::version).containsExactly("1");
            assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("1");
        }
    }

    @Test
    void explicitLoadAndUnload() {
        TestModels.install(repo, "iris_rf.onnx", "iris", "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            ModelRegistry registry = kubeServe.registry();
            registry.unload("iris");
            assertThat(registry.statuses("iris").get(0).state()).isEqualTo(ModelState.UNLOADED);
            assertThatThrownBy(() -> predictIris(kubeServe)).isInstanceOf(KubeServeException.class)
                    .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_READY));
            registry.load("iris");
            assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("1");
            assertThatThrownBy(() -> registry.load("ghost"))
                    .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
            TestModels.write(repo.resolve("broken/1/model.onnx"), "no");
            assertThatThrownBy(() -> registry.load("broken")).hasMessageContaining("failed to load");
            assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("1");
        }
    }

    /** Field case 19 in the library: an explicit load says what happened, a failure with its reason. */
    @Test
    void anExplicitLoadReportsTheVersionsItLoadedOrWhyItFailed() throws Exception {
        TestModels.install(repo, "iris_rf.onnx", "iris", "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            ModelRegistry registry = kubeServe.registry();
            TestModels.write(repo.resolve("iris/2/model.onnx"), "garbage");
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThatThrownBy(() -> registry.load("iris"))
                        .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT))
                        .hasMessageContaining("model 'iris' failed to load: version 2: ")
                        .hasMessageContaining("version 1 keeps serving");
                assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("1");
            }
            TestModels.install(repo, "iris_rf.onnx", "iris", "2");
            LoadResult result = registry.load("iris");
            assertThat(result.name()).isEqualTo("iris");
            assertThat(result.serving()).isEqualTo("2");
            assertThat(result.readyVersions()).contains("2");
            assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("2");
        }
    }

    @Test
    void aModelRemovedFromTheRepositoryIsUnloaded() throws Exception {
        TestModels.install(repo, "iris_rf.onnx", "iris", "1");
        TestModels.install(repo, "mlp_torch.onnx", "mlp", "1");
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).build()) {
            deleteTree(repo.resolve("mlp"));
            kubeServe.registry().refresh();
            assertThat(kubeServe.registry().statuses("mlp").get(0).state()).isEqualTo(ModelState.UNLOADED);
            assertThat(predictIris(kubeServe).modelVersion()).isEqualTo("1");
        }
    }

    /** Loads and unloads a model 100 times: the process's resident memory must not keep growing. */
    @Test
    void loadingAndUnloadingAHundredTimesKeepsMemoryFlat() {
        TestModels.install(repo, "mlp_torch.onnx", "mlp", "1");
        ModelRegistry registry = new ModelRegistry(FileSystemModelRepository.open(repo), ModelRegistry.defaultLoaders());
        try {
            registry.loadAll(1);
            long[] rss = new long[101];
            for (int i = 1; i <= 100; i++) {
                registry.unload("mlp");
                registry.load("mlp");
                rss[i] = residentKilobytes();
            }
            long warm = rss[20];
            long end = rss[100];
            System.out.printf("load/unload RSS: round 1 %d kB, round 20 %d kB, round 100 %d kB%n", rss[1], warm, end);
            // generous: allocator arenas and JIT settle over the first rounds; a leak of even one
            // session per round (several MB of native memory each) would blow well past this
            assertThat(end - warm).as("RSS growth from round 20 (%d kB) to round 100 (%d kB)", warm, end)
                    .isLessThan(64 * 1024);
        } finally {
            registry.close();
        }
    }

    private static InferenceResponse predictIris(KubeServe kubeServe) {
        return kubeServe.predictor("iris").predict(InferenceRequest.of("float_input",
                Tensor.ofFloats(new long[] {1, 4}, 5.1f, 3.5f, 1.4f, 0.2f)));
    }

    private static long residentKilobytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 60 s");
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    private static void waitUntilQuietly(java.util.function.BooleanSupplier condition) {
        try {
            waitUntil(condition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
