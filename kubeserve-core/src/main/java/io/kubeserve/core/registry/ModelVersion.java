package io.kubeserve.core.registry;

import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded (or loading, or failed) instance of a model version, owned by the registry.
 *
 * <p>Requests hold a lease while they run ({@link #tryAcquire}/{@link #release}); retiring the
 * version first stops new leases, then waits for the running ones, then closes the model. Because
 * a lease is counted before the retired flag is read, no request can slip in after the drain
 * began and find the model closed under it.
 */
final class ModelVersion {

    final String name;
    final String version;
    /** Null when the model's files could not even be described. */
    final ModelSource source;
    /** Identifies the files this instance was loaded from; a change means a reload. */
    final String fingerprint;
    volatile ModelState state = ModelState.LOADING;
    volatile String reason;
    volatile Model model;
    volatile long loadMillis = -1;

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean retired;

    ModelVersion(ModelSource source, String fingerprint) {
        this.name = source.name();
        this.version = source.version();
        this.source = source;
        this.fingerprint = fingerprint;
    }

    private ModelVersion(String name, String reason) {
        this.name = name;
        this.version = "";
        this.source = null;
        this.fingerprint = "";
        this.state = ModelState.FAILED;
        this.reason = reason;
    }

    /** A model whose repository entry is unusable (no version, bad config): failed from the start. */
    static ModelVersion unusable(String name, String reason) {
        return new ModelVersion(name, reason);
    }

    boolean ready() {
        return state == ModelState.READY && !retired;
    }

    /** Takes a lease for one request; false once the version is retiring. */
    boolean tryAcquire() {
        inFlight.incrementAndGet();
        if (retired || state != ModelState.READY) {
            release();
            return false;
        }
        return true;
    }

    void release() {
        inFlight.decrementAndGet();
    }

    /**
     * Stops new leases, waits up to {@code timeoutMillis} for running requests, then closes the
     * model. Returns whether every request had finished.
     */
    boolean retire(long timeoutMillis) {
        retired = true;
        if (state == ModelState.READY) {
            state = ModelState.UNLOADING;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean drained = true;
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                drained = false;
                break;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                drained = false;
                break;
            }
        }
        Model loaded = model;
        model = null;
        if (loaded != null) {
            loaded.close();
        }
        if (state != ModelState.FAILED) {
            state = ModelState.UNLOADED;
        }
        return drained;
    }

    ModelStatus status() {
        Model loaded = model;
        return new ModelStatus(name, version, state, reason, loadMillis, loaded == null ? null : loaded.metadata());
    }
}
