package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sync, change detection, atomicity and failure handling of the cache, over an in-memory store. */
class CachingModelRepositoryTest {

    @TempDir
    Path cache;

    private static byte[] bytes(int size, int seed) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    private CachingModelRepository repository(MemoryStore store, Duration interval) {
        return new CachingModelRepository(store, cache, null, interval);
    }

    @Test
    void mirrorsTheStoreAndFetchesOnlyWhatChanged() throws IOException {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(1000, 1)).put("iris/labels.txt", "a\nb\n");
        CachingModelRepository repo = repository(store, Duration.ZERO);

        assertThat(repo.modelNames()).containsExactly("iris");
        assertThat(repo.lastSyncResult().orElseThrow().fetched()).isEqualTo(2);
        assertThat(repo.versions("iris")).extracting(ModelSource::version).containsExactly("1");
        assertThat(repo.versions("iris").get(0).config().labels()).containsExactly("a", "b");
        int opens = store.opens.get();

        store.put("iris/2/model.onnx", bytes(2000, 2));
        SyncResult second = repo.sync();
        assertThat(second.fetched()).isEqualTo(1);
        assertThat(second.bytes()).isEqualTo(2000);
        assertThat(second.unchanged()).isEqualTo(2);
        assertThat(store.opens.get()).isEqualTo(opens + 1);
        assertThat(repo.versions("iris")).extracting(ModelSource::version).containsExactly("2", "1");
        assertThat(Files.readAllBytes(repo.versions("iris").get(0).modelFile())).isEqualTo(bytes(2000, 2));

        store.remove("iris/1/model.onnx");
        assertThat(repo.sync().removed()).isEqualTo(1);
        assertThat(repo.versions("iris")).extracting(ModelSource::version).containsExactly("2");
        assertThat(cache.resolve("iris/1")).doesNotExist();
    }

    @Test
    void changedFileInAVersionIsReplacedWithTheWholeVersionDirectory() throws IOException {
        MemoryStore store = new MemoryStore().put("m/1/model.onnx", bytes(10, 1)).put("m/1/extra.bin", bytes(5, 9));
        CachingModelRepository repo = repository(store, Duration.ZERO);
        repo.sync();
        store.put("m/1/model.onnx", bytes(10, 7)); // same size, other content: the tag tells
        assertThat(repo.sync().fetched()).isEqualTo(1);
        assertThat(Files.readAllBytes(cache.resolve("m/1/model.onnx"))).isEqualTo(bytes(10, 7));
        assertThat(Files.readAllBytes(cache.resolve("m/1/extra.bin"))).isEqualTo(bytes(5, 9));
    }

    @Test
    void aDownloadThatBreaksMidwayNeverBecomesVisible() throws IOException {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(100_000, 1));
        CachingModelRepository repo = repository(store, Duration.ZERO);
        repo.sync();
        store.put("iris/2/model.onnx", bytes(200_000, 2)).put("iris/1/model.onnx", bytes(100_000, 3));
        store.breakKey = "iris/2/model.onnx";
        store.breakAfter = 70_000;

        assertThatThrownBy(repo::sync).isInstanceOf(KubeServeException.class).hasMessageContaining("connection reset");
        assertThat(repo.lastSyncError()).hasValueSatisfying(e -> assertThat(e).contains("mem://test/"));
        assertThat(cache.resolve("iris/2")).doesNotExist();
        // version 1 changed too, but nothing of this sync went live: it is whole and old
        assertThat(Files.readAllBytes(cache.resolve("iris/1/model.onnx"))).isEqualTo(bytes(100_000, 1));
        assertThat(repo.versions("iris")).extracting(ModelSource::version).containsExactly("1");
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> cache.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith(".kubeserve/")))
                    .containsExactly("iris/1/model.onnx");
        }

        store.breakKey = null;
        repo.sync();
        assertThat(repo.lastSyncError()).isEmpty();
        assertThat(repo.versions("iris")).extracting(ModelSource::version).containsExactly("2", "1");
        assertThat(Files.readAllBytes(cache.resolve("iris/1/model.onnx"))).isEqualTo(bytes(100_000, 3));
    }

    @Test
    void firstSyncFailureIsThrownNamingTheStore() {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(10, 1));
        store.unreachable = true;
        CachingModelRepository repo = repository(store, Duration.ofHours(1));
        assertThatThrownBy(repo::modelNames).isInstanceOfSatisfying(KubeServeException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains("mem://test/").contains("connection refused");
        });
    }

    @Test
    void emptyStoreIsModelNotFound() {
        CachingModelRepository repo = repository(new MemoryStore(), Duration.ZERO);
        assertThatThrownBy(repo::modelNames).isInstanceOfSatisfying(KubeServeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
    }

    @Test
    void laterFailuresServeTheLastGoodCache() {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(10, 1));
        CachingModelRepository repo = repository(store, Duration.ZERO);
        assertThat(repo.modelNames()).containsExactly("iris");

        store.unreachable = true;
        assertThat(repo.modelNames()).containsExactly("iris");
        assertThat(repo.versions("iris")).hasSize(1);
        assertThat(repo.lastSyncError()).hasValueSatisfying(e -> assertThat(e).contains("connection refused"));

        // a new repository over the same cache (a restart) serves it too, store or not
        CachingModelRepository restarted = repository(store, Duration.ZERO);
        assertThat(restarted.modelNames()).containsExactly("iris");

        store.unreachable = false;
        repo.modelNames();
        assertThat(repo.lastSyncError()).isEmpty();
    }

    @Test
    void syncsAtMostOncePerInterval() {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(10, 1));
        CachingModelRepository slow = repository(store, Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            slow.modelNames();
            slow.versions("iris");
        }
        assertThat(store.lists.get()).isEqualTo(1);
        store.put("iris/2/model.onnx", bytes(10, 2));
        assertThat(slow.versions("iris")).hasSize(1); // not yet: the interval has not passed
        slow.sync();
        assertThat(slow.versions("iris")).hasSize(2);
    }

    @Test
    void aModelDirectoryLocationIsServedUnderItsName() {
        MemoryStore store = new MemoryStore().put("1/model.onnx", bytes(10, 1)).put("labels.txt", "x\n");
        CachingModelRepository repo = new CachingModelRepository(store, cache, "iris", Duration.ZERO);
        assertThat(repo.modelNames()).containsExactly("iris");
        assertThat(repo.versions("iris").get(0).config().labels()).containsExactly("x");
    }

    @Test
    void aSingleModelFileLocationIsOneModel() {
        MemoryStore store = new MemoryStore().put("model.onnx", bytes(10, 1));
        CachingModelRepository repo = repository(store, Duration.ZERO);
        assertThat(repo.modelNames()).containsExactly("single");
        assertThat(repo.versions("single").get(0).modelFile()).isEqualTo(cache.resolve("model.onnx"));
    }

    @Test
    void sha256SidecarIsChecked() throws Exception {
        byte[] model = bytes(1000, 4);
        String good = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(model));
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", model)
                .put("iris/1/model.onnx.sha256", "0".repeat(64) + "  model.onnx\n");
        CachingModelRepository repo = repository(store, Duration.ZERO);
        assertThatThrownBy(repo::sync).hasMessageContaining("SHA-256");
        assertThat(cache.resolve("iris")).doesNotExist();

        store.put("iris/1/model.onnx.sha256", good + "  model.onnx\n");
        repo.sync();
        assertThat(cache.resolve("iris/1/model.onnx")).hasBinaryContent(model);
        assertThat(cache.resolve("iris/1/model.onnx.sha256")).doesNotExist();
    }

    @Test
    void refusesKeysThatLeaveTheCache() {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(10, 1)).put("../escape.txt", "x");
        CachingModelRepository repo = repository(store, Duration.ZERO);
        assertThatThrownBy(repo::sync).hasMessageContaining("../escape.txt");
        assertThat(cache.getParent().resolve("escape.txt")).doesNotExist();
    }

    @Test
    void refusesASymlinkedDirectoryPointingOutside(@TempDir Path outside) throws IOException {
        MemoryStore store = new MemoryStore().put("iris/1/model.onnx", bytes(10, 1));
        Files.createSymbolicLink(cache.resolve("iris"), outside);
        CachingModelRepository repo = repository(store, Duration.ZERO);
        assertThatThrownBy(repo::sync).hasMessageContaining("symbolic link");
        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void replacesATrackedFileThatWasSwappedForASymlink(@TempDir Path outside) throws IOException {
        MemoryStore store = new MemoryStore().put("iris/labels.txt", "a\n").put("iris/1/model.onnx", bytes(10, 1));
        CachingModelRepository repo = repository(store, Duration.ZERO);
        repo.sync();
        Path secret = Files.writeString(outside.resolve("secret"), "s");
        Files.delete(cache.resolve("iris/labels.txt"));
        Files.createSymbolicLink(cache.resolve("iris/labels.txt"), secret);
        repo.sync();
        assertThat(Files.isSymbolicLink(cache.resolve("iris/labels.txt"))).isFalse();
        assertThat(cache.resolve("iris/labels.txt")).hasContent("a");
        assertThat(secret).hasContent("s");
        assertThat(new String(Files.readAllBytes(secret), StandardCharsets.UTF_8)).isEqualTo("s");
    }
}
