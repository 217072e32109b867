package io.kubeserve.core;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import io.kubeserve.core.registry.ModelLease;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.spi.Scheduler;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * KubeServe embedded in an application: open a model repository, get a predictor by model name,
 * predict, close.
 *
 * <pre>{@code
 * try (KubeServe kubeServe = KubeServe.builder().repository(Path.of("models")).build()) {
 *     Predictor iris = kubeServe.predictor("iris");
 *     InferenceResponse response = iris.predict(
 *             InferenceRequest.of("float_input", Tensor.ofFloats(new long[] {1, 4}, 5.1f, 3.5f, 1.4f, 0.2f)));
 * }
 * }</pre>
 *
 * <p>{@link Builder#build} returns once every model has been loaded and warmed up, or has failed; a
 * failed model reports its reason through {@link #statuses()} and {@code predictor(name)}.
 * Closing the instance closes every model and frees its native memory.
 */
public final class KubeServe implements AutoCloseable {

    private final ModelRegistry registry;

    private KubeServe(ModelRegistry registry) {
        this.registry = registry;
    }

    /**
     * Starts the settings of a new instance; nothing is read or loaded until {@link Builder#build()}.
     *
     * @return a new builder, for one thread's use
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A predictor for a model's default version; safe to share between threads, and it follows
     * the model across reloads: each call runs on the version serving at that moment. The model is
     * looked up once now, so a wrong name fails here rather than on the first request; a later
     * request fails as {@link Predictor} lists if the model is gone or not ready by then.
     *
     * @param modelName the model's name in the repository (its directory name)
     * @return a predictor that stays valid until this instance is closed; it holds no model, so
     *         there is nothing to close
     * @throws KubeServeException {@code MODEL_NOT_FOUND}, or {@code MODEL_NOT_READY} with the reason it failed
     */
    public Predictor predictor(String modelName) {
        registry.model(modelName);
        return request -> predictAsync(modelName, request);
    }

    /**
     * Starts a prediction on the version serving {@code modelName} now; see
     * {@link Predictor#predictAsync} for threads and failures. The version is leased until the
     * stage completes, so a reload meanwhile never closes it under the request. Never throws:
     * every failure, an unknown or unready model included, completes the stage exceptionally.
     *
     * @param modelName the model's name in the repository
     * @param request   inputs by name; the caller keeps owning it and must not change its tensors
     *                  until the stage completes
     * @return a stage completed with the response, or with a {@link KubeServeException}:
     *         {@code MODEL_NOT_FOUND}, {@code MODEL_NOT_READY}, or any code {@link Predictor} lists
     */
    public CompletionStage<InferenceResponse> predictAsync(String modelName, InferenceRequest request) {
        ModelLease lease;
        try {
            lease = registry.acquire(modelName, null);
        } catch (KubeServeException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            // the lease goes with the model's own stage, and that stage is what the caller gets: a
            // caller that cancels it then releases the lease too (cancelling a stage derived from
            // it would complete that stage without running its action)
            CompletableFuture<InferenceResponse> answer =
                    lease.model().predictor().predictAsync(request).toCompletableFuture();
            answer.whenComplete((response, failure) -> lease.close());
            return answer;
        } catch (RuntimeException e) {
            lease.close();
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The model {@code modelName} as served: a view that follows it across reloads, safe to keep
     * and to share between threads. {@link Model#metadata()} is the metadata of the version serving
     * at the moment of the call; {@link Model#predictor()} is {@link #predictor(String)}, each call
     * leasing the version serving then, so no reload or unload closes a model under a request.
     * {@link Model#close()} does nothing: this instance owns the models and closes them in
     * {@link #close()}.
     *
     * @param modelName the model's name in the repository
     * @return a view of the model, valid until this instance is closed
     * @throws KubeServeException {@code MODEL_NOT_FOUND}, or {@code MODEL_NOT_READY} with the reason,
     *         now; later, {@code metadata()} throws the same if the model has been unloaded meanwhile
     */
    public Model model(String modelName) {
        registry.model(modelName);
        return new ServedModel(modelName);
    }

    /** {@link #model(String)}: looks the serving version up on every call and holds no model itself. */
    private final class ServedModel implements Model {

        private final String name;

        ServedModel(String name) {
            this.name = name;
        }

        @Override
        public ModelMetadata metadata() {
            return registry.model(name).metadata();
        }

        @Override
        public Predictor predictor() {
            return request -> predictAsync(name, request);
        }

        @Override
        public Optional<Scheduler> scheduler() {
            try {
                return registry.model(name).scheduler();
            } catch (KubeServeException e) {
                return Optional.empty();
            }
        }

        @Override
        public void close() {
            // the KubeServe instance owns the models
        }

        @Override
        public String toString() {
            return "model " + name;
        }
    }

    /**
     * Shorthand for {@code predictor(modelName).predict(request)}: blocks the calling thread until
     * the response is there.
     *
     * @param modelName the model's name in the repository
     * @param request   inputs by name, owned by the caller
     * @return the response; its tensors are plain heap arrays and belong to the caller
     * @throws KubeServeException {@code MODEL_NOT_FOUND}, {@code MODEL_NOT_READY}, or any code
     *         {@link Predictor} lists; {@code INTERNAL} if the waiting thread is interrupted
     */
    public InferenceResponse predict(String modelName, InferenceRequest request) {
        return predictor(modelName).predict(request);
    }

    /**
     * The state of every version of every model, failures with their reason, as
     * {@link ModelRegistry#statuses()} gives it.
     *
     * @return a snapshot, sorted by model name then newest version first; it does not change later
     */
    public List<ModelStatus> statuses() {
        return registry.statuses();
    }

    /**
     * The registry underneath, for adapters such as the HTTP server (repository load and unload,
     * readiness, per-version leases).
     *
     * @return the registry; this instance owns it, so the caller must not close it
     */
    public ModelRegistry registry() {
        return registry;
    }

    /**
     * Stops polling and closes every model, each once its running requests are done (at most
     * {@link ModelRegistry#DEFAULT_DRAIN_TIMEOUT}); blocks until then. Predictors and models handed
     * out fail with {@code MODEL_NOT_READY} afterwards. Call once.
     */
    @Override
    public void close() {
        registry.close();
    }

    /**
     * Settings for {@link KubeServe}; only the repository is required. Not thread-safe: fill it in
     * on one thread and call {@link #build()}, which may be called again for another instance.
     */
    public static final class Builder {

        private ModelRepository repository;
        private List<ModelLoader> loaders;
        private int loadParallelism = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /**
         * Serves the models found at {@code path}: a directory of models (Triton layout), a single
         * model's directory, or a model file; see {@link FileSystemModelRepository}.
         *
         * @param path where the models are, read when {@link #build()} loads them
         * @return this builder
         * @throws KubeServeException {@code MODEL_NOT_FOUND} if nothing exists at {@code path};
         *         {@code INVALID_INPUT} if a single model's name derived from it breaks
         *         {@link FileSystemModelRepository#NAMING_RULE}
         */
        public Builder repository(Path path) {
            return repository(FileSystemModelRepository.open(path));
        }

        /**
         * Serves one model, a model directory (with or without version directories) or a model file,
         * under {@code modelName} rather than the name of its directory or file.
         *
         * @param modelName the name clients use, within {@link FileSystemModelRepository#NAMING_RULE}
         * @param path      the model's directory or file
         * @return this builder
         * @throws KubeServeException {@code MODEL_NOT_FOUND} if nothing exists at {@code path};
         *         {@code INVALID_INPUT} if {@code modelName} breaks the naming rule
         */
        public Builder model(String modelName, Path path) {
            return repository(FileSystemModelRepository.open(path, modelName));
        }

        /**
         * Serves the models of any repository, a remote one for example
         * ({@link io.kubeserve.core.repository.remote.ModelRepositories}).
         *
         * @param modelRepository where the models are; not owned: the built instance never closes it
         * @return this builder
         * @throws NullPointerException if {@code modelRepository} is null
         */
        public Builder repository(ModelRepository modelRepository) {
            this.repository = Objects.requireNonNull(modelRepository, "repository");
            return this;
        }

        /**
         * Loaders to use instead of those found with {@link java.util.ServiceLoader}
         * ({@link ModelRegistry#defaultLoaders()}); the first that accepts a model loads it.
         *
         * @param modelLoaders the engines, tried in order; copied; must not be empty by the time
         *                     {@link #build()} runs
         * @return this builder
         */
        public Builder loaders(List<ModelLoader> modelLoaders) {
            this.loaders = List.copyOf(modelLoaders);
            return this;
        }

        /**
         * How many models load at once at start (default: one per available processor).
         *
         * @param parallelism number of loading threads, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code parallelism} is below 1
         */
        public Builder loadParallelism(int parallelism) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("load parallelism must be at least 1, got " + parallelism);
            }
            this.loadParallelism = parallelism;
            return this;
        }

        /**
         * Loads every model and returns once each is ready or failed. A model that fails does not
         * fail the build: {@link KubeServe#statuses()} says why, and requests for it get
         * {@code MODEL_NOT_READY}.
         *
         * @return a new instance, owned by the caller, who must close it
         * @throws IllegalStateException if no repository was given
         * @throws IllegalArgumentException if there are no loaders (an empty list given, or none
         *         found on the class path)
         * @throws KubeServeException if the repository cannot list its models, or {@code INTERNAL}
         *         if interrupted while loading
         */
        public KubeServe build() {
            if (repository == null) {
                throw new IllegalStateException("no model repository given: call repository(path)");
            }
            ModelRegistry registry = new ModelRegistry(repository,
                    loaders != null ? loaders : ModelRegistry.defaultLoaders());
            try {
                registry.loadAll(loadParallelism);
            } catch (RuntimeException e) {
                registry.close();
                throw e;
            }
            return new KubeServe(registry);
        }
    }
}
