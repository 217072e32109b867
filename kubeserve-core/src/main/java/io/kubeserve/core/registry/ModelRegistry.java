package io.kubeserve.core.registry;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The loaded models, by name and version, and the life of each version: loading, ready, failed
 * (with the reason), unloading, unloaded. This class is the facade; the work is done by
 * {@link RepositoryPoller} (what the repository holds and which versions the policy selects),
 * {@link VersionLifecycle} (load, warm-up, retire) and {@link ModelTable} (lookups and status).
 *
 * <p>{@link #loadAll} loads every model of the repository at start, several at once; one broken
 * model fails alone. {@link #refresh} (called by the poller, or explicitly) brings the registry
 * in line with the repository: a new or changed version loads and warms up beside the one
 * serving, requests switch to it in one volatile write, and the old one drains its leases and
 * is closed. A version that fails to load leaves the serving one in place and says why.
 *
 * <p>Requests use a version through a {@link ModelLease} ({@link #acquire}); a retiring version
 * refuses new leases, waits for the held ones to be released (at most the drain timeout, 60 s
 * unless given), then closes its model. The request path takes no lock; lifecycle changes of one
 * model are serialized by that model's lock only.
 *
 * <p>Thread-safe. The registry owns every model it loads and closes them in {@link #close}; it
 * does not own the repository or the loaders.
 */
public final class ModelRegistry implements AutoCloseable {

    /** How long a retiring version waits for its leases unless told otherwise. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(60);

    private final ModelTable table = new ModelTable();
    private final VersionLifecycle lifecycle;
    private final RepositoryPoller poller;
    private volatile boolean started;

    /**
     * A registry over {@code repository} with the {@linkplain #DEFAULT_DRAIN_TIMEOUT default drain
     * timeout}; it loads nothing until {@link #loadAll}.
     *
     * @param repository where the models are; not owned
     * @param loaders    the engines, tried in order (see {@link #defaultLoaders})
     * @throws IllegalArgumentException if {@code loaders} is empty
     */
    public ModelRegistry(ModelRepository repository, List<ModelLoader> loaders) {
        this(repository, loaders, DEFAULT_DRAIN_TIMEOUT);
    }

    /**
     * A registry over {@code repository}; it loads nothing until {@link #loadAll}.
     *
     * @param repository   where the models are; not owned
     * @param loaders      the engines, tried in order (see {@link #defaultLoaders})
     * @param drainTimeout how long a retiring version waits for its leases to be released before
     *                     its model is closed under them, with a warning; at least 1 ms
     * @throws IllegalArgumentException if {@code loaders} is empty or the timeout is below 1 ms
     */
    public ModelRegistry(ModelRepository repository, List<ModelLoader> loaders, Duration drainTimeout) {
        Objects.requireNonNull(repository, "repository");
        if (loaders.isEmpty()) {
            throw new IllegalArgumentException("no model loaders: is kubeserve-core on the class path?");
        }
        if (drainTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("drain timeout must be at least 1 ms, got " + drainTimeout);
        }
        this.lifecycle = new VersionLifecycle(loaders, drainTimeout);
        this.poller = new RepositoryPoller(repository, table, lifecycle);
    }

    /**
     * The loaders registered with {@link ServiceLoader} on the class path (kubeserve-core's own
     * ONNX Runtime and TorchScript engines, plus any plug-in), in the order it finds them.
     *
     * @return a new, mutable list, owned by the caller; empty if none is registered
     */
    public static List<ModelLoader> defaultLoaders() {
        List<ModelLoader> found = new ArrayList<>();
        ServiceLoader.load(ModelLoader.class).forEach(found::add);
        return found;
    }

    /**
     * Called with a version's status whenever its state changes (for metrics and logs), on the
     * thread that changed it (a loading, polling or retiring thread); it must be quick and must
     * not throw. When it is told {@code READY}, {@link #acquire} and {@link #model(String, String)}
     * already find that version.
     *
     * @param listener called for every state change from now on, of every model; there is no way
     *                 to remove it
     * @throws NullPointerException if {@code listener} is null
     */
    public void addListener(Consumer<ModelStatus> listener) {
        lifecycle.addListener(Objects.requireNonNull(listener, "listener"));
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /**
     * Loads every model of the repository, {@code parallelism} at a time; returns when each is ready
     * or failed (failures are in {@link #statuses()}, not thrown). Call once, before requests;
     * {@link #isReady()} is false until it returns.
     *
     * @param parallelism how many models load at once, on threads of a pool that lives for this
     *                    call only; 1 or less loads them one by one on this thread
     * @throws KubeServeException if the repository cannot list its models, or {@code INTERNAL} if
     *         interrupted
     */
    public void loadAll(int parallelism) {
        poller.syncAll(parallelism);
        started = true;
    }

    /**
     * Brings the registry in line with the repository, on this thread: loads new and changed
     * versions, unloads versions the policy no longer selects and models that are gone. If the
     * repository cannot be read, logs it and keeps serving what is loaded.
     */
    public void refresh() {
        poller.refresh();
    }

    /**
     * Loads (or reloads) one model from the repository, as the repository API's load does: new and
     * changed versions load, and versions that failed before are tried again. Runs on this thread
     * and returns when the model's versions are ready or failed; replaced versions drain on the
     * registry's retiring thread afterwards.
     *
     * @param name the model's name in the repository
     * @return the version now serving and the state of every version
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if the repository has no such model;
     *         {@code INVALID_INPUT} if any version the policy selects failed to load or the
     *         model's repository entry is unusable, naming each failure with its reason and the
     *         version that keeps serving (an older ready one stays in place), if any
     */
    public LoadResult load(String name) {
        if (!poller.repository().modelNames().contains(name)) {
            throw KubeServeException.modelNotFound(name);
        }
        List<String> failures = poller.sync(name, true);
        ModelVersion serving = table.entry(name).serving;
        if (serving == null && failures.isEmpty()) {
            failures = List.of("no version to load");
        }
        if (!failures.isEmpty()) {
            throw KubeServeException.invalidInput("model '" + name + "' failed to load: " + String.join("; ", failures)
                    + (serving != null ? "; version " + serving.version + " keeps serving"
                    : "; no version of it is serving"));
        }
        return new LoadResult(name, serving.version, table.statuses(name));
    }

    /**
     * Unloads every version of a model, on this thread: each refuses new requests at once and is
     * closed when its running requests have released their leases (or after the drain timeout).
     * The model stays known, with no version serving, until loaded again.
     *
     * @param name the model's name
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if the registry does not know the model
     */
    public void unload(String name) {
        poller.retireAll(table.entry(name));
    }

    /**
     * Polls the repository for changes every {@code seconds} on a daemon thread, as
     * {@link #refresh} does; 0 or less polls never. Only the first call with a positive period
     * starts polling. {@link #close} stops it.
     *
     * @param seconds period between the end of one poll and the start of the next, in seconds
     */
    public void pollEvery(long seconds) {
        poller.pollEvery(seconds);
    }

    // ---- request path ----------------------------------------------------------------------

    /**
     * Leases the ready version of {@code name} ({@code version} null or empty: the default, its
     * newest ready one) for one request. While the lease is open the version's model is not
     * closed, even if a newer version takes over meanwhile (up to the drain timeout). The caller
     * owns the lease and must close it exactly when the request is done, on any thread.
     * Lock-free: a lookup and an atomic increment.
     *
     * @param name    the model's name
     * @param version a version label as in the repository ({@code "1"}, {@code "2"}, ...), or null
     *                or empty for the default
     * @return an open lease on a ready version; the caller must close it
     * @throws KubeServeException {@code MODEL_NOT_FOUND} for an unknown model or version label,
     *         {@code MODEL_NOT_READY} with the reason (loading, failed and why, unloading)
     */
    public ModelLease acquire(String name, String version) {
        while (true) {
            ModelVersion candidate = table.lookup(name, version);
            if (candidate.tryAcquire()) {
                Model model = candidate.model;
                if (model != null) {
                    return new ModelLease(candidate, model);
                }
                candidate.release();
            }
            // it started retiring between lookup and lease: its successor, if any, is already
            // published, and the next lookup finds it or says why there is none
            Thread.onSpinWait();
        }
    }

    /**
     * The ready model for {@code name} and {@code version} (null or empty: the default), held by no
     * lease: use it to read its {@link Model#metadata() metadata} (immutable, valid for good) and
     * to read its {@link Model#scheduler() scheduler}'s gauges, nothing else. A reload, unload or
     * {@link #close} may close the model at any moment, so the caller must not call its
     * {@code predictor()} or {@code warmupPredictor()} (take a lease with {@link #acquire} to run
     * requests) and must never close it (the registry owns it).
     *
     * @param name    the model's name
     * @param version a version label, or null or empty for the default
     * @return the version's model, owned by the registry
     * @throws KubeServeException {@code MODEL_NOT_FOUND} for an unknown model or version label,
     *         {@code MODEL_NOT_READY} with the reason, also if it is being unloaded
     */
    public Model model(String name, String version) {
        Model model = table.lookup(name, version).model;
        if (model == null) {
            throw KubeServeException.notReady("model '" + name + "' is being unloaded");
        }
        return model;
    }

    /**
     * {@link #model(String, String)} for the version serving {@code name} by default; same rules.
     *
     * @param name the model's name
     * @return the default version's model, owned by the registry
     * @throws KubeServeException {@code MODEL_NOT_FOUND} for an unknown model, {@code MODEL_NOT_READY}
     *         with the reason if no version of it is ready
     */
    public Model model(String name) {
        return model(name, null);
    }

    // ---- status ----------------------------------------------------------------------------

    /**
     * Names of every model the registry knows, ready or not, including models unloaded explicitly.
     *
     * @return a new immutable list, sorted by {@link String#compareTo}
     */
    public List<String> modelNames() {
        return table.names();
    }

    /**
     * Status of every version of every model. Each status is read without a lock, so two versions
     * may be caught at slightly different moments.
     *
     * @return a new immutable list, by model name then newest version first
     */
    public List<ModelStatus> statuses() {
        return table.statuses();
    }

    /**
     * Status of every version of {@code name}, newest first; a snapshot. A model without any
     * version gives one {@code UNLOADED} status with an empty version label.
     *
     * @param name the model's name
     * @return a new immutable list, never empty
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if the registry does not know the model
     */
    public List<ModelStatus> statuses(String name) {
        return table.statuses(name);
    }

    /**
     * Whether the registry can serve: for readiness probes.
     *
     * @return true once {@link #loadAll} has returned and at least one model has a ready version
     */
    public boolean isReady() {
        return started && table.anyServing();
    }

    /**
     * True once start-up loading ended and every one of {@code required} has a ready version
     * ({@code required} empty: as {@link #isReady()}).
     *
     * @param required model names that must each be ready; a name the registry does not know makes
     *                 the answer false
     * @return whether the registry is ready by that rule
     */
    public boolean isReady(Set<String> required) {
        if (required.isEmpty()) {
            return isReady();
        }
        return started && table.allServing(required);
    }

    /**
     * Stops polling and closes every model, each after its running requests have released their
     * leases (or after the drain timeout). Blocks until done; call once.
     */
    @Override
    public void close() {
        poller.stop();
        lifecycle.finishRetiring();
        for (ModelEntry entry : table.entries()) {
            poller.retireAll(entry);
        }
    }
}
