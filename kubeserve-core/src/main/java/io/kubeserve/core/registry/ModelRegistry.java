package io.kubeserve.core.registry;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.Warmup;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded models, by name and version, and the state of each.
 *
 * <p>At start the newest version of every model in the repository is loaded, several at once,
 * and warmed up; a version becomes {@link ModelState#READY} only after its warm-up ran. One model
 * failing (a corrupt file, a missing GPU) marks that model {@link ModelState#FAILED} with the
 * reason and leaves the others serving.
 *
 * <p>Lookups are lock-free reads of a concurrent map and volatile fields, so the request path
 * never waits on loading. The registry owns the models it loaded and closes them.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final int WARMUP_ROUNDS = 3;

    private final ModelRepository repository;
    private final List<ModelLoader> loaders;
    /** Per model, its versions newest first. */
    private final Map<String, List<ModelVersion>> models = new ConcurrentHashMap<>();

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
     * Loads the newest version of every model in the repository, {@code parallelism} at a time,
     * and returns when each has ended ready or failed.
     */
    public void loadAll(int parallelism) {
        List<String> names = repository.modelNames();
        if (names.isEmpty()) {
            LOG.warn("model repository {} holds no models", repository.describe());
            return;
        }
        List<ModelVersion> pending = new ArrayList<>();
        for (String name : names) {
            ModelVersion version = discover(name);
            if (version != null) {
                pending.add(version);
            }
        }
        int threads = Math.max(1, Math.min(parallelism, pending.size()));
        AtomicInteger counter = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "kubeserve-load-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (ModelVersion version : pending) {
                futures.add(pool.submit(() -> load(version)));
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

    /** Registers a model's newest version as LOADING, or records why the model cannot be read. */
    private ModelVersion discover(String name) {
        try {
            List<ModelSource> sources = repository.versions(name);
            ModelVersion newest = new ModelVersion(sources.get(0));
            models.put(name, List.of(newest));
            return newest;
        } catch (KubeServeException e) {
            models.put(name, List.of(ModelVersion.unusable(name, e.getMessage())));
            LOG.error("model {} cannot be loaded: {}", name, e.getMessage());
            return null;
        }
    }

    private void load(ModelVersion version) {
        ModelSource source = version.source;
        long start = System.nanoTime();
        Model model = null;
        try {
            ModelLoader loader = loaderFor(source);
            model = loader.load(source);
            if (Warmup.possible(model.metadata())) {
                Predictor warm = model.predictor() instanceof EnginePredictor scheduled
                        ? scheduled.unscheduled() : model.predictor();
                Warmup.run(model.metadata(), warm, WARMUP_ROUNDS);
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
    }

    private static void fail(ModelVersion version, Model model, String reason) {
        if (model != null) {
            model.close();
        }
        version.reason = reason;
        version.state = ModelState.FAILED;
        LOG.error("model {} version {} failed to load: {}", version.name, version.version, reason);
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
     * The ready model serving {@code name} by default (its newest version).
     *
     * @throws KubeServeException {@code MODEL_NOT_FOUND} or {@code MODEL_NOT_READY} (with the reason)
     */
    public Model model(String name) {
        return ready(name, versionsOf(name).get(0));
    }

    /** The ready model for one version of {@code name}. */
    public Model model(String name, String version) {
        if (version == null || version.isEmpty()) {
            return model(name);
        }
        for (ModelVersion candidate : versionsOf(name)) {
            if (candidate.version.equals(version)) {
                return ready(name, candidate);
            }
        }
        throw new KubeServeException(ErrorCode.MODEL_NOT_FOUND, "model '" + name + "' has no version '" + version + "'");
    }

    private List<ModelVersion> versionsOf(String name) {
        List<ModelVersion> versions = name == null ? null : models.get(name);
        if (versions == null) {
            throw KubeServeException.modelNotFound(name);
        }
        return versions;
    }

    private static Model ready(String name, ModelVersion version) {
        Model model = version.model;
        if (version.state != ModelState.READY || model == null) {
            String why = version.state == ModelState.FAILED ? "failed to load: " + version.reason
                    : "is " + version.state.name().toLowerCase(java.util.Locale.ROOT);
            throw KubeServeException.notReady("model '" + name + "' " + (version.version.isEmpty() ? "" : "version " + version.version + " ") + why);
        }
        return model;
    }

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
        return versionsOf(name).stream().map(ModelVersion::status).toList();
    }

    /** True when no model is still loading and at least one is ready. */
    public boolean isReady() {
        Collection<List<ModelVersion>> all = models.values();
        boolean anyReady = false;
        for (List<ModelVersion> versions : all) {
            for (ModelVersion version : versions) {
                if (version.state == ModelState.LOADING) {
                    return false;
                }
                anyReady |= version.state == ModelState.READY;
            }
        }
        return anyReady;
    }

    /** Closes every loaded model and frees its native memory. */
    @Override
    public void close() {
        for (List<ModelVersion> versions : models.values()) {
            for (ModelVersion version : versions) {
                Model model = version.model;
                if (model != null) {
                    version.state = ModelState.UNLOADING;
                    model.close();
                    version.model = null;
                    version.state = ModelState.UNLOADED;
                }
            }
        }
    }
}
