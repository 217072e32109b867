package io.kubeserve.core.registry;

import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelSource;
import java.util.concurrent.TimeUnit;

/**
 * One loaded (or loading, or failed) instance of a model version, owned by the registry.
 *
 * <p>Requests hold a lease while they run ({@link #tryAcquire}/{@link #release}); retiring the
 * version first stops new leases, then waits for the held ones ({@link Leases}), then closes the
 * model. No request can take a lease after the drain began and find the model closed under it;
 * only one still running when the drain timeout passes can.
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

    private final Leases leases = new Leases();

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
        return state == ModelState.READY && !leases.closing();
    }

    /** Takes a lease for one request; false once the version is retiring or not ready. */
    boolean tryAcquire() {
        if (!leases.tryAcquire()) {
            return false;
        }
        if (state != ModelState.READY) {
            leases.release();
            return false;
        }
        return true;
    }

    /** Gives back a lease taken with {@link #tryAcquire}. */
    void release() {
        leases.release();
    }

    /**
     * Stops new leases, waits up to {@code timeoutMillis} for the held ones to be released (no
     * polling: the last release wakes this thread), then closes the model whether or not they
     * were. Called by the registry's lifecycle, never on a request thread; a second call finds
     * the leases refused already and the model closed.
     *
     * @return how many leases were still held when the model was closed: 0 after a clean drain
     */
    int retire(long timeoutMillis) {
        leases.refuse();
        // ready() is false from here on, whatever the state says; the status says so too
        if (state == ModelState.READY) {
            state = ModelState.UNLOADING;
        }
        boolean drained;
        try {
            drained = leases.awaitReleased(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        int stillHeld = drained ? 0 : Math.max(1, leases.held());
        Model loaded = model;
        model = null;
        if (loaded != null) {
            loaded.close();
        }
        if (state != ModelState.FAILED) {
            state = ModelState.UNLOADED;
        }
        return stillHeld;
    }

    ModelStatus status() {
        Model loaded = model;
        return new ModelStatus(name, version, state, reason, loadMillis, loaded == null ? null : loaded.metadata());
    }
}
