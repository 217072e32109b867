package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelStore} mirrored into a local directory and served from there by a
 * {@link FileSystemModelRepository}.
 *
 * <p>The registry polls {@link #modelNames()} and {@link #versions(String)}; each call syncs first
 * when the last sync is older than the interval, so the store is asked at most once per interval.
 * A sync that fails keeps the last good cache in service: the failure is logged once (again only
 * when it changes) and kept in {@link #lastSyncError()}. Only when there is nothing to serve yet
 * does a failure reach the caller, as a {@link KubeServeException} naming the store.
 *
 * <p>Thread-safe: one sync runs at a time, and readers see either the files before a sync or after
 * it, never a half-written model. The repository owns the store it is given and closes it in
 * {@link #close()}; the cache directory stays on disk for the next start.
 */
public final class CachingModelRepository implements ModelRepository, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(CachingModelRepository.class);

    private final ModelStore store;
    private final Path root;
    private final String singleModelName;
    private final long intervalNanos;
    /** One sync at a time; callers that find one running read the cache as it is. */
    private final ReentrantLock syncLock = new ReentrantLock();
    /** Readers share it; a sync takes it only to move finished files into place. */
    private final ReentrantReadWriteLock cacheLock = new ReentrantReadWriteLock();
    private volatile long lastAttemptNanos;
    private volatile boolean attempted;
    private volatile String lastError;
    private volatile SyncResult lastResult;

    /**
     * A repository over {@code store}; nothing is synced until the first listing or {@link #sync()}.
     *
     * @param store           where the models are; owned from now on, closed by {@link #close()}
     * @param cacheDir        local directory to mirror into (created if missing)
     * @param singleModelName name when the location holds one model; null: the location's last segment
     * @param minSyncInterval least time between two syncs; zero syncs on every call
     * @throws KubeServeException {@code INVALID_INPUT} if {@code singleModelName} breaks
     *         {@link FileSystemModelRepository#NAMING_RULE}
     */
    public CachingModelRepository(ModelStore store, Path cacheDir, String singleModelName, Duration minSyncInterval) {
        this.store = store;
        this.root = cacheDir.toAbsolutePath().normalize();
        this.singleModelName = singleModelName != null ? singleModelName : store.defaultModelName();
        this.intervalNanos = minSyncInterval.toNanos();
        if (singleModelName != null) {
            FileSystemModelRepository.checkName(singleModelName);
        }
    }

    @Override
    public List<String> modelNames() {
        syncIfDue();
        return read(() -> delegate().modelNames());
    }

    @Override
    public List<ModelSource> versions(String modelName) {
        syncIfDue();
        return read(() -> delegate().versions(modelName));
    }

    @Override
    public String describe() {
        return store.uri() + " (cached in " + root + ")";
    }

    /**
     * Syncs now, whatever the interval, on this thread; waits if a sync is running.
     *
     * @return what the sync downloaded, kept and removed
     * @throws KubeServeException naming the store when the sync fails; the cache is unchanged then
     */
    public SyncResult sync() {
        syncLock.lock();
        try {
            return attempt();
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Why the last sync failed. The cache then holds the last good state.
     *
     * @return the message naming the store, or empty when the last sync succeeded or none ran yet
     */
    public Optional<String> lastSyncError() {
        return Optional.ofNullable(lastError);
    }

    /**
     * What the last successful sync did.
     *
     * @return the result, or empty before the first successful sync
     */
    public Optional<SyncResult> lastSyncResult() {
        return Optional.ofNullable(lastResult);
    }

    /**
     * Where the store is mirrored.
     *
     * @return the cache directory, absolute and normalized; may not exist before the first sync
     */
    public Path cacheDir() {
        return root;
    }

    /**
     * Closes the store (its client and connections); the cache stays on disk.
     *
     * @throws IOException if the store fails to close
     */
    @Override
    public void close() throws IOException {
        store.close();
    }

    private void syncIfDue() {
        if (!hasCache()) {
            // nothing to serve yet: wait for the first sync and let its failure through
            sync();
            return;
        }
        if (due() && syncLock.tryLock()) {
            try {
                if (due()) {
                    attempt();
                }
            } catch (KubeServeException e) {
                // recorded and logged by attempt(); the last good cache stays in service
            } finally {
                syncLock.unlock();
            }
        }
    }

    private boolean due() {
        return !attempted || System.nanoTime() - lastAttemptNanos >= intervalNanos;
    }

    private SyncResult attempt() {
        attempted = true;
        lastAttemptNanos = System.nanoTime();
        try {
            Files.createDirectories(root);
            SyncResult result = new CacheSync(store, root, singleModelName, cacheLock.writeLock()).run();
            lastAttemptNanos = System.nanoTime();
            if (lastError != null) {
                LOG.info("model store {} is back; cache {} is up to date", store.uri(), root);
            }
            lastError = null;
            lastResult = result;
            if (result.fetched() > 0 || result.removed() > 0) {
                LOG.info("synced {}: fetched {} files ({} bytes), removed {}, kept {} in {} ms", store.uri(),
                        result.fetched(), result.bytes(), result.removed(), result.unchanged(), result.millis());
            }
            return result;
        } catch (IOException | RuntimeException e) {
            lastAttemptNanos = System.nanoTime();
            String message = "cannot sync models from " + store.uri() + ": " + describe(e);
            if (!message.equals(lastError)) {
                LOG.warn("{}{}", message, hasCache() ? "; serving the last good copy in " + root : "");
            }
            lastError = message;
            ErrorCode code = e instanceof KubeServeException k ? k.code() : ErrorCode.INTERNAL;
            throw new KubeServeException(code, message, e);
        }
    }

    private boolean hasCache() {
        return Files.isRegularFile(root.resolve(CacheSync.META_DIR).resolve("synced"));
    }

    private FileSystemModelRepository delegate() {
        return FileSystemModelRepository.open(root, singleModelName);
    }

    private <T> T read(Supplier<T> reader) {
        cacheLock.readLock().lock();
        try {
            return reader.get();
        } finally {
            cacheLock.readLock().unlock();
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message += " (" + cause.getMessage() + ")";
        }
        return message;
    }
}
