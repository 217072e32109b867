package io.kubeserve.core.registry;

import io.kubeserve.core.engine.Warmup;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a model version from files to closed: loads it with the loader of its engine, warms
 * it up, and retires it (refuses new leases, waits for the held ones up to the drain timeout,
 * closes the model). Tells the status listeners of every change.
 *
 * <p>It does not decide which versions live; {@link RepositoryPoller} and {@link ModelRegistry}
 * do, holding the model's entry lock, and call this. Loading runs on the calling thread;
 * {@link #retireLater} runs on one daemon thread of its own so that a reload does not wait for
 * the old version's requests. Thread-safe.
 */
final class VersionLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(VersionLifecycle.class);
    private static final int WARMUP_ROUNDS = 3;

    private final List<ModelLoader> loaders;
    private final long drainTimeoutMillis;
    private final List<Consumer<ModelStatus>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService retirer = Executors.newSingleThreadExecutor(daemonThreads("kubeserve-retire"));

    /**
     * @param loaders      the engines, tried in order; not empty
     * @param drainTimeout how long a retiring version waits for its leases before it is closed anyway
     */
    VersionLifecycle(List<ModelLoader> loaders, Duration drainTimeout) {
        this.loaders = List.copyOf(loaders);
        this.drainTimeoutMillis = drainTimeout.toMillis();
    }

    /** Adds a status listener, called on the thread that changed a version; never removed. */
    void addListener(Consumer<ModelStatus> listener) {
        listeners.add(listener);
    }

    /**
     * Loads and warms up one version; tells listeners it is loading, then that it failed, or that it
     * is ready if {@code announceReady} (else the caller does with {@link #notify} once the version
     * is published). Never throws for a model that cannot load: the version comes back
     * {@link ModelState#FAILED} with the reason.
     *
     * @return {@code version}, now {@code READY} with its model or {@code FAILED} with a reason
     */
    ModelVersion load(ModelVersion version, boolean announceReady) {
        ModelSource source = version.source;
        long start = System.nanoTime();
        notify(version);
        Model model = null;
        try {
            model = loaderFor(source).load(source);
            if (Warmup.possible(model.metadata())) {
                Warmup.run(model.metadata(), model.warmupPredictor(), WARMUP_ROUNDS);
            } else {
                LOG.info("model {} version {}: input shapes not fully known, no warm-up", source.name(), source.version());
            }
            version.model = model;
            version.loadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            version.state = ModelState.READY;
            LOG.info("model {} version {} ready on {} in {} ms ({})", source.name(), source.version(),
                    source.config().device(), version.loadMillis, model.metadata().platform());
        } catch (KubeServeException | IllegalStateException e) {
            fail(version, model, e.getMessage(), null);
        } catch (LinkageError e) {
            fail(version, model, linkageReason(e), e);
        } catch (RuntimeException e) {
            fail(version, model, e.toString(), e);
        }
        if (announceReady || version.state != ModelState.READY) {
            notify(version);
        }
        return version;
    }

    /**
     * @param failure what was thrown, for the log's stack trace when it is not one of our own
     *                failures (whose message says it all); null for those
     */
    private static void fail(ModelVersion version, Model model, String reason, Throwable failure) {
        if (model != null) {
            model.close();
        }
        version.reason = reason;
        version.state = ModelState.FAILED;
        // SLF4J logs a last argument that is a Throwable with its stack trace; a null one is ignored
        LOG.error("model {} version {} failed to load: {}", version.name, version.version, reason, failure);
    }

    /**
     * The reason for an engine that could not be linked or initialized, as clients may read it
     * (model metadata, readiness): what failed, by its type, and where the whole story is. Not the
     * messages themselves: an engine's native loader puts file system paths in them (ONNX Runtime's
     * "Native library 'onnxruntime' not found at /...", an {@code UnsatisfiedLinkError}'s library
     * path), and an {@code ExceptionInInitializerError} has none at all (it used to read "failed to
     * load: null"). The log has the error and its causes.
     */
    private static String linkageReason(LinkageError e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String what = e instanceof ExceptionInInitializerError ? "the engine failed to initialize"
                : "the engine's classes or native library could not be linked";
        return what + " (" + e.getClass().getSimpleName()
                + (root == e ? "" : ", caused by " + root.getClass().getSimpleName()) + "); the server log has the cause";
    }

    /** Retires {@code version} on the retiring thread; returns at once. */
    void retireLater(ModelVersion version) {
        retirer.execute(() -> retire(version));
    }

    /**
     * Retires {@code version} on this thread: refuses new leases, waits until the held ones are
     * released or the drain timeout passes, closes the model, tells the listeners. If the timeout
     * passed, the model is closed under the requests still holding it (they fail), the version's
     * reason says so and a warning is logged. Nothing to do for a version already unloaded or
     * one that failed without a model.
     */
    void retire(ModelVersion version) {
        if (version.state == ModelState.UNLOADED || version.state == ModelState.FAILED && version.model == null) {
            return;
        }
        boolean hadModel = version.model != null;
        int stillHeld = version.retire(drainTimeoutMillis);
        if (stillHeld > 0) {
            version.reason = "closed after the drain timeout of " + drainTimeoutMillis + " ms with " + stillHeld
                    + " request(s) still holding it";
            LOG.warn("model {} version {}: {} request(s) still running after {} ms; closed anyway", version.name,
                    version.version, stillHeld, drainTimeoutMillis);
        }
        if (hadModel) {
            LOG.info("model {} version {} unloaded", version.name, version.version);
        }
        notify(version);
    }

    /** Tells every listener the version's current status, on this thread. */
    void notify(ModelVersion version) {
        ModelStatus status = version.status();
        for (Consumer<ModelStatus> listener : listeners) {
            listener.accept(status);
        }
    }

    private ModelLoader loaderFor(ModelSource source) {
        String engine = source.config().engine();
        for (ModelLoader loader : loaders) {
            if (engine != null ? loader.engine().equalsIgnoreCase(engine) : loader.supports(source)) {
                return loader;
            }
        }
        List<String> known = loaders.stream().map(ModelLoader::engine).toList();
        throw KubeServeException.unsupported(engine != null
                ? "engine '" + engine + "' is not available; engines are " + known
                : "no engine loads " + source.fileName() + " (use .onnx or .pt, or set \"engine\" in config.json)");
    }

    /**
     * Lets the retirements already handed to {@link #retireLater} finish (each within its drain
     * timeout) and takes no more; returns when they are done or the wait is interrupted.
     */
    void finishRetiring() {
        retirer.shutdown();
        try {
            if (!retirer.awaitTermination(drainTimeoutMillis, TimeUnit.MILLISECONDS)) {
                LOG.warn("versions still retiring after {} ms; closing the rest now", drainTimeoutMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
