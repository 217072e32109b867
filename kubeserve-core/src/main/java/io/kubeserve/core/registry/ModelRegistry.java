package io.kubeserve.core.registry;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.engine.Warmup;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded models, by name and version, and the life of each version: loading, ready, failed
 * (with the reason), unloading, unloaded.
 *
 * <p>{@link #loadAll} loads every model of the repository at start, several at once; one broken
 * model fails alone. {@link #refresh} (called by the poller, or explicitly) brings the registry
 * in line with the repository: a new or changed version loads and warms up beside the one
 * serving, requests switch to it in one volatile write, and the old one drains its requests and
 * is closed. A version that fails to load leaves the serving one in place and says why.
 *
 * <p>The request path ({@link #acquire}) reads volatile fields and a concurrent map and takes no
 * lock; lifecycle changes of one model are serialized by that model's lock only.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final int WARMUP_ROUNDS = 3;
    private static final long DRAIN_TIMEOUT_MILLIS = 60_000;

    private final ModelRepository repository;
    private final List<ModelLoader> loaders;
    private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
    private final List<Consumer<ModelStatus>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService retirer = Executors.newSingleThreadExecutor(daemon("kubeserve-retire"));
    private volatile ScheduledExecutorService poller;
    private volatile boolean started;

    /** All there is of one model: its versions, newest first, and the one serving by default. */
    private static final class ModelEntry {
        final String name;
        volatile List<ModelVersion> versions = List.of();
        volatile ModelVersion serving;

        ModelEntry(String name) {
            this.name = name;
        }

        ModelVersion find(String version) {
            for (ModelVersion candidate : versions) {
                if (candidate.version.equals(version)) {
                    return candidate;
                }
            }
            return null;
        }
    }

    public ModelRegistry(ModelRepository repository, List<ModelLoader> loaders) {
        if (loaders.isEmpty()) {
            throw new IllegalArgumentException("no model loaders: is kubeserve-core on the class path?");
        }
        this.repository = repository;
        this.loaders = List.copyOf(loaders);
    }

    /** The loaders registered with {@link ServiceLoader}. */
    public static List<ModelLoader> defaultLoaders() {
        List<ModelLoader> found = new ArrayList<>();
        ServiceLoader.load(ModelLoader.class).forEach(found::add);
        return found;
    }

    /**
     * Called with a version's status whenever its state changes (for metrics and logs). When it is
     * told {@code READY}, {@link #model(String, String)} already returns that version's model.
     */
    public void addListener(Consumer<ModelStatus> listener) {
        listeners.add(listener);
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /** Loads every model of the repository, {@code parallelism} at a time; returns when each is ready or failed. */
    public void loadAll(int parallelism) {
        List<String> names = repository.modelNames();
        if (names.isEmpty()) {
            LOG.warn("model repository {} holds no models", repository.describe());
        }
        syncAll(names, parallelism);
        started = true;
    }

    /**
     * Brings the registry in line with the repository: loads new and changed versions, unloads
     * versions the policy no longer selects and models that are gone.
     */
    public void refresh() {
        List<String> names;
        try {
            names = repository.modelNames();
        } catch (KubeServeException e) {
            LOG.warn("cannot read model repository {}: {}; serving what is loaded", repository.describe(), e.getMessage());
            return;
        }
        syncAll(names, 1);
        Set<String> present = new HashSet<>(names);
        for (ModelEntry entry : models.values()) {
            if (!present.contains(entry.name) && entry.serving != null) {
                LOG.info("model {} is no longer in the repository; unloading it", entry.name);
                unload(entry.name);
            }
        }
    }

    /**
     * Loads (or reloads) one model from the repository, as the repository API's load does: new and
     * changed versions load, and versions that failed before are tried again.
     *
     * @return the version now serving and the state of every version
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if the repository has no such model;
     *         {@code INVALID_INPUT} if any version the policy selects failed to load or the
     *         model's repository entry is unusable, naming each failure with its reason and the
     *         version that keeps serving (an older ready one stays in place), if any
     */
    public LoadResult load(String name) {
        if (!repository.modelNames().contains(name)) {
            throw KubeServeException.modelNotFound(name);
        }
        List<String> failures = sync(name, true);
        ModelEntry entry = models.get(name);
        ModelVersion serving = entry.serving;
        if (serving == null && failures.isEmpty()) {
            failures = List.of("no version to load");
        }
        if (!failures.isEmpty()) {
            throw KubeServeException.invalidInput("model '" + name + "' failed to load: " + String.join("; ", failures)
                    + (serving != null ? "; version " + serving.version + " keeps serving"
                    : "; no version of it is serving"));
        }
        return new LoadResult(name, serving.version, statuses(name));
    }

    /** Unloads every version of a model; running requests finish first. */
    public void unload(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            throw KubeServeException.modelNotFound(name);
        }
        synchronized (entry) {
            List<ModelVersion> versions = entry.versions;
            entry.serving = null;
            for (ModelVersion version : versions) {
                retire(version);
            }
        }
    }

    /** Polls the repository for changes every {@code seconds}; 0 or less polls never. */
    public synchronized void pollEvery(long seconds) {
        if (seconds <= 0 || poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(daemon("kubeserve-poll"));
        poller.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.error("repository poll failed", e);
            }
        }, seconds, seconds, TimeUnit.SECONDS);
    }

    private void syncAll(List<String> names, int parallelism) {
        if (names.size() <= 1 || parallelism <= 1) {
            names.forEach(name -> sync(name, false));
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, names.size()), daemon("kubeserve-load"));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String name : names) {
                futures.add(pool.submit(() -> sync(name, false)));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KubeServeException.internal("interrupted while loading models", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw KubeServeException.internal("model loading failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Makes one model match the repository. Serialized per model; other models go on meanwhile.
     *
     * @param retryFailed load again versions that failed before though their files did not change
     * @return what failed on the way, in the client's words: one entry per failed version, or the
     *         reason the repository entry is unusable; empty if all went well
     */
    private List<String> sync(String name, boolean retryFailed) {
        ModelEntry entry = models.computeIfAbsent(name, ModelEntry::new);
        List<String> failures = new ArrayList<>();
        synchronized (entry) {
            List<ModelSource> wanted;
            try {
                List<ModelSource> available = repository.versions(name);
                wanted = available.get(0).config().versionPolicy().select(available);
            } catch (KubeServeException e) {
                if (entry.serving != null) {
                    LOG.error("model {}: repository entry unusable ({}); version {} keeps serving", name, e.getMessage(),
                            entry.serving.version);
                } else {
                    publish(entry, List.of(ModelVersion.unusable(name, e.getMessage())));
                    LOG.error("model {} cannot be loaded: {}", name, e.getMessage());
                }
                failures.add(e.getMessage());
                return failures;
            }
            List<ModelVersion> next = new ArrayList<>();
            List<ModelVersion> replaced = new ArrayList<>();
            List<ModelVersion> readyOncePublished = new ArrayList<>();
            for (ModelSource source : wanted) {
                String fingerprint = Fingerprints.of(source);
                ModelVersion current = entry.find(source.version());
                if (current != null && current.fingerprint.equals(fingerprint) && current.state != ModelState.UNLOADED
                        && !(retryFailed && current.state == ModelState.FAILED)) {
                    next.add(current);
                    continue;
                }
                ModelVersion loading = new ModelVersion(source, fingerprint);
                if (current == null) {
                    // visible as LOADING meanwhile; a replacement stays hidden until it is ready
                    List<ModelVersion> shown = new ArrayList<>(entry.versions);
                    shown.add(loading);
                    publish(entry, shown);
                }
                // a new version is found by its label as soon as it is ready; a replacement only once published
                ModelVersion loaded = load(loading, current == null);
                if (loaded.state == ModelState.FAILED) {
                    failures.add("version " + loaded.version + ": " + loaded.reason);
                }
                if (loaded.state == ModelState.READY || current == null || !current.ready()) {
                    next.add(loaded);
                    if (current != null) {
                        replaced.add(current);
                        if (loaded.state == ModelState.READY) {
                            readyOncePublished.add(loaded);
                        }
                    }
                } else {
                    // the new files are broken: keep serving what works, and say why
                    current.reason = "reload failed, still serving the previous files: " + loaded.reason;
                    next.add(current);
                }
            }
            // versions that failed to load leave as many older ready ones serving in their place
            long failed = next.stream().filter(version -> version.state == ModelState.FAILED).count();
            for (ModelVersion old : entry.versions) {
                if (next.contains(old) || replaced.contains(old)) {
                    continue;
                }
                if (failed > 0 && old.ready()) {
                    failed--;
                    old.reason = "still serving: a newer version failed to load";
                    next.add(old);
                } else {
                    replaced.add(old);
                }
            }
            publish(entry, next);
            readyOncePublished.forEach(this::notify);
            for (ModelVersion old : replaced) {
                retireLater(old);
            }
        }
        return failures;
    }

    /** Makes {@code versions} the model's list and its newest ready one the default, in that order. */
    private static void publish(ModelEntry entry, List<ModelVersion> versions) {
        List<ModelVersion> sorted = new ArrayList<>(versions);
        sorted.sort((a, b) -> compareVersions(b.version, a.version));
        entry.versions = List.copyOf(sorted);
        ModelVersion serving = null;
        for (ModelVersion version : sorted) {
            if (version.ready()) {
                serving = version;
                break;
            }
        }
        entry.serving = serving;
    }

    private static int compareVersions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    /**
     * Loads and warms up one version; tells listeners it is loading, then that it failed, or that it
     * is ready if {@code announceReady} (else the caller does once {@link #model} finds it).
     */
    private ModelVersion load(ModelVersion version, boolean announceReady) {
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
        } catch (KubeServeException | LinkageError | IllegalStateException e) {
            fail(version, model, e.getMessage());
        } catch (RuntimeException e) {
            fail(version, model, e.toString());
        }
        if (announceReady || version.state != ModelState.READY) {
            notify(version);
        }
        return version;
    }

    private static void fail(ModelVersion version, Model model, String reason) {
        if (model != null) {
            model.close();
        }
        version.reason = reason;
        version.state = ModelState.FAILED;
        LOG.error("model {} version {} failed to load: {}", version.name, version.version, reason);
    }

    private void retireLater(ModelVersion version) {
        retirer.execute(() -> retire(version));
    }

    private void retire(ModelVersion version) {
        if (version.state == ModelState.UNLOADED || version.state == ModelState.FAILED && version.model == null) {
            return;
        }
        boolean hadModel = version.model != null;
        if (!version.retire(DRAIN_TIMEOUT_MILLIS)) {
            LOG.warn("model {} version {}: requests still running after {} ms; closed anyway", version.name,
                    version.version, DRAIN_TIMEOUT_MILLIS);
        }
        if (hadModel) {
            LOG.info("model {} version {} unloaded", version.name, version.version);
        }
        notify(version);
    }

    private void notify(ModelVersion version) {
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

    // ---- request path ----------------------------------------------------------------------

    /**
     * Leases the ready version of {@code name} ({@code version} null or empty: the default, its
     * newest ready one) for one request. Close the lease when done.
     *
     * @throws KubeServeException {@code MODEL_NOT_FOUND} or {@code MODEL_NOT_READY} with the reason
     */
    public ModelLease acquire(String name, String version) {
        while (true) {
            ModelVersion candidate = lookup(name, version);
            if (candidate.tryAcquire()) {
                return new ModelLease(candidate, candidate.model);
            }
            // it retired between lookup and lease: its successor is already published
            Thread.onSpinWait();
        }
    }

    /** The ready model for {@code name} and {@code version} (null: default), for its metadata. */
    public Model model(String name, String version) {
        Model model = lookup(name, version).model;
        if (model == null) {
            throw KubeServeException.notReady("model '" + name + "' is being unloaded");
        }
        return model;
    }

    /** The ready model serving {@code name} by default. */
    public Model model(String name) {
        return model(name, null);
    }

    private ModelVersion lookup(String name, String version) {
        ModelEntry entry = name == null ? null : models.get(name);
        if (entry == null) {
            throw KubeServeException.modelNotFound(name);
        }
        if (version == null || version.isEmpty()) {
            ModelVersion serving = entry.serving;
            if (serving != null) {
                return serving;
            }
            List<ModelVersion> versions = entry.versions;
            throw KubeServeException.notReady("model '" + name + "' " + (versions.isEmpty()
                    ? "is not loaded" : describeNotReady(versions.get(0))));
        }
        ModelVersion found = entry.find(version);
        if (found == null) {
            throw new KubeServeException(ErrorCode.MODEL_NOT_FOUND, "model '" + name + "' has no version '" + version
                    + "' loaded");
        }
        if (!found.ready()) {
            throw KubeServeException.notReady("model '" + name + "' " + describeNotReady(found));
        }
        return found;
    }

    private static String describeNotReady(ModelVersion version) {
        String which = version.version.isEmpty() ? "" : "version " + version.version + " ";
        return version.state == ModelState.FAILED ? which + "failed to load: " + version.reason
                : which + "is " + version.state.name().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- status ----------------------------------------------------------------------------

    /** Names of every model the registry knows, ready or not. */
    public List<String> modelNames() {
        return models.keySet().stream().sorted().toList();
    }

    /** Status of every version of every model, by model name then newest version first. */
    public List<ModelStatus> statuses() {
        List<ModelStatus> out = new ArrayList<>();
        for (String name : modelNames()) {
            out.addAll(statuses(name));
        }
        return out;
    }

    public List<ModelStatus> statuses(String name) {
        ModelEntry entry = models.get(name);
        if (entry == null) {
            throw KubeServeException.modelNotFound(name);
        }
        List<ModelVersion> versions = entry.versions;
        if (versions.isEmpty()) {
            return List.of(new ModelStatus(name, "", ModelState.UNLOADED, null, -1, null));
        }
        return versions.stream().map(ModelVersion::status).toList();
    }

    /** True once start-up loading ended with at least one model ready. */
    public boolean isReady() {
        if (!started) {
            return false;
        }
        for (ModelEntry entry : models.values()) {
            if (entry.serving != null) {
                return true;
            }
        }
        return false;
    }

    /** True once start-up loading ended and every one of {@code required} has a ready version. */
    public boolean isReady(Set<String> required) {
        if (required.isEmpty()) {
            return isReady();
        }
        if (!started) {
            return false;
        }
        for (String name : required) {
            ModelEntry entry = models.get(name);
            if (entry == null || entry.serving == null) {
                return false;
            }
        }
        return true;
    }

    /** Stops polling and closes every model, after their running requests. */
    @Override
    public void close() {
        ScheduledExecutorService polling = poller;
        if (polling != null) {
            polling.shutdownNow();
        }
        retirer.shutdown();
        try {
            retirer.awaitTermination(DRAIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ModelEntry entry : models.values()) {
            synchronized (entry) {
                entry.serving = null;
                for (ModelVersion version : entry.versions) {
                    retire(version);
                }
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
