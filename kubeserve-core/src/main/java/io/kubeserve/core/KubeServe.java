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

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A predictor for a model's default version; safe to share between threads, and it follows
     * the model across reloads: each call runs on the version serving at that moment.
     *
     * @throws KubeServeException {@code MODEL_NOT_FOUND}, or {@code MODEL_NOT_READY} with the reason it failed
     */
    public Predictor predictor(String modelName) {
        registry.model(modelName);
        return request -> predictAsync(modelName, request);
    }

    /**
     * Starts a prediction on the version serving {@code modelName} now; see
     * {@link Predictor#predictAsync} for threads and failures. The version is leased until the
     * stage completes, so a reload meanwhile never closes it under the request.
     */
    public CompletionStage<InferenceResponse> predictAsync(String modelName, InferenceRequest request) {
        ModelLease lease;
        try {
            lease = registry.acquire(modelName, null);
        } catch (KubeServeException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            return lease.model().predictor().predictAsync(request).whenComplete((response, failure) -> lease.close());
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

    /** Shorthand for {@code predictor(modelName).predict(request)}. */
    public InferenceResponse predict(String modelName, InferenceRequest request) {
        return predictor(modelName).predict(request);
    }

    public List<ModelStatus> statuses() {
        return registry.statuses();
    }

    /** The registry underneath, for adapters such as the HTTP server. */
    public ModelRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        registry.close();
    }

    /** Settings for {@link KubeServe}; only the repository is required. */
    public static final class Builder {

        private ModelRepository repository;
        private List<ModelLoader> loaders;
        private int loadParallelism = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /** A directory of models (Triton layout), a single model's directory, or a model file. */
        public Builder repository(Path path) {
            return repository(FileSystemModelRepository.open(path));
        }

        /** A single model directory or file, served under {@code modelName}. */
        public Builder model(String modelName, Path path) {
            return repository(FileSystemModelRepository.open(path, modelName));
        }

        public Builder repository(ModelRepository modelRepository) {
            this.repository = Objects.requireNonNull(modelRepository, "repository");
            return this;
        }

        /** Loaders to use instead of those found with {@link java.util.ServiceLoader}. */
        public Builder loaders(List<ModelLoader> modelLoaders) {
            this.loaders = List.copyOf(modelLoaders);
            return this;
        }

        /** How many models load at once (default: one per core). */
        public Builder loadParallelism(int parallelism) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("load parallelism must be at least 1, got " + parallelism);
            }
            this.loadParallelism = parallelism;
            return this;
        }

        /** Loads every model and returns once each is ready or failed. */
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
