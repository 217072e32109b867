package io.kubeserve.engine.python;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.LoadedModel;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.spi.Scheduler;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves scikit-learn style models saved with joblib or pickle ({@code model.joblib},
 * {@code model.pkl}, {@code model.pickle}, or any file with {@code "backend": "python"}) through
 * long-lived Python worker processes: {@code instances} workers per model version, each holding one
 * copy of the model, fed by the core's queue, dynamic batcher and deadlines like every engine.
 *
 * <p>Unpickling runs code from the file: serve only model files from a trusted source.
 *
 * <p>The model takes one 2-D input {@code input} {@code [N, n_features_in_]}, FP64 unless the
 * config declares another datatype (FP32, INT64, BYTES...). A classifier answers {@code label}
 * {@code [N]} (its {@code classes_} values; strings as BYTES) and {@code probabilities}
 * {@code [N, classes]} FP32 in {@code classes_} order (or {@code decision_function} without
 * {@code predict_proba}); a regressor answers {@code predict} {@code [N]} or {@code [N, targets]}.
 * A module next to the model file (a custom transformer's) is importable by the pickle.
 *
 * <p>Stateless and thread-safe; each {@link #load} returns a model owning its workers and a private
 * temporary directory, both gone when it is closed.
 */
public final class PythonModelLoader implements ModelLoader {

    /** The {@code engine} (or {@code backend}) name model configs use to pick this loader. */
    public static final String ENGINE = "python";
    /** The model config parameter naming this model's interpreter. */
    public static final String PYTHON_PARAMETER = "python";
    /**
     * The model config parameter giving the longest one call (a request or a batch) may take in a
     * worker, in seconds (decimals allowed); a worker that takes longer is taken for hung, killed and
     * restarted, and the call fails with {@code TIMEOUT}. Default {@link #DEFAULT_CALL_TIMEOUT}.
     */
    public static final String CALL_TIMEOUT_PARAMETER = "python_call_timeout_seconds";
    /** The call timeout when the config gives none: far above any sane prediction, below "forever". */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(120);
    static final String PLATFORM = "python_sklearn";
    private static final Logger LOG = LoggerFactory.getLogger(PythonModelLoader.class);
    private static final String SCRIPT = "worker.py";

    private final PythonSettings settings;

    /** A loader with the settings of the system properties ({@link PythonSettings#fromSystemProperties()}). */
    public PythonModelLoader() {
        this(null);
    }

    /**
     * A loader with fixed settings.
     *
     * @param settings the interpreter and install policy; null: read the system properties at each load
     */
    public PythonModelLoader(PythonSettings settings) {
        this.settings = settings;
    }

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public boolean supports(ModelSource source) {
        String name = source.fileName();
        return name.endsWith(".joblib") || name.endsWith(".pkl") || name.endsWith(".pickle");
    }

    @Override
    public Model load(ModelSource source) {
        PythonSettings effective = settings != null ? settings : PythonSettings.fromSystemProperties();
        ModelConfig config = source.config();
        String python = config.parameters().getOrDefault(PYTHON_PARAMETER, effective.python());
        Duration callTimeout = callTimeout(source.name(), config.parameters().get(CALL_TIMEOUT_PARAMETER));
        if (config.inputs().size() > 1) {
            throw KubeServeException.unsupported("model '" + source.name() + "': a Python model takes one 2-D input; "
                    + "the config declares " + config.inputs().size());
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("kubeserve-python-");
            try (InputStream script = PythonModelLoader.class.getResourceAsStream(SCRIPT)) {
                Files.copy(script, dir.resolve(SCRIPT));
            }
        } catch (IOException e) {
            throw KubeServeException.internal("cannot write the Python worker script for model '" + source.name() + "'", e);
        }
        WorkerPool pool;
        try {
            Map<String, String> environment = environment(config);
            Path requirements = source.modelFile().toAbsolutePath().getParent().resolve("requirements.txt");
            if (effective.installRequirements() && Files.isRegularFile(requirements)) {
                Path target = dir.resolve("site-packages");
                install(source, python, requirements, target, dir);
                environment.merge("PYTHONPATH", target.toString(), (old, added) -> added + java.io.File.pathSeparator + old);
            }
            List<String> command = List.of(python, dir.resolve(SCRIPT).toString(),
                    source.modelFile().toAbsolutePath().toString());
            PythonWorker.Launch launch = new PythonWorker.Launch(source.name(), source.version(), command, environment, dir);
            pool = WorkerPool.start(launch, config.effectiveInstances(), callTimeout);
        } catch (RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
        try {
            JsonNode description = pool.description();
            ModelMetadata metadata = metadata(source, description);
            LOG.info("model {} version {}: {} ({}) in {} Python worker(s){}", source.name(), source.version(),
                    description.path("estimator").asText(), description.path("kind").asText(),
                    config.effectiveInstances(), description.path("feature_names_in").isArray()
                            ? description.path("pandas").asBoolean() ? ", fed DataFrames with its feature names"
                            : ", fitted with feature names but fed numpy arrays (pandas is not installed)" : "");
            EnginePredictor predictor = EnginePredictor.scheduled(metadata, pool, config);
            LoadedModel model = new LoadedModel(EnginePredictor.served(metadata), predictor, predictor::close,
                    pool::close, () -> deleteTree(dir));
            return new PythonModel(model, pool);
        } catch (RuntimeException e) {
            pool.close();
            deleteTree(dir);
            throw e;
        }
    }

    /** Worker environment: one native thread per worker unless the config or the caller says otherwise. */
    private static Map<String, String> environment(ModelConfig config) {
        Map<String, String> environment = new HashMap<>();
        String threads = Integer.toString(config.intraOpThreads() > 0 ? config.intraOpThreads() : 1);
        for (String name : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
            if (config.intraOpThreads() > 0 || System.getenv(name) == null) {
                environment.put(name, threads);
            }
        }
        environment.put("PYTHONDONTWRITEBYTECODE", "1");
        environment.put("PYTHONUNBUFFERED", "1");
        return environment;
    }

    private static void install(ModelSource source, String python, Path requirements, Path target, Path dir) {
        List<String> command = List.of(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-input", "--target", target.toString(), "-r", requirements.toString());
        LOG.info("model {} version {}: installing requirements.txt into a directory of its own", source.name(),
                source.version());
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8))) {
                lines.lines().forEach(line -> LOG.info("[{} v{} pip] {}", source.name(), source.version(), line));
            }
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw KubeServeException.invalidInput("cannot load model '" + source.name() + "' version "
                        + source.version() + ": installing its requirements.txt failed (the log has pip's output)");
            }
        } catch (IOException e) {
            throw KubeServeException.invalidInput("cannot load model '" + source.name() + "' version "
                    + source.version() + ": cannot run pip: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeServeException(ErrorCode.INTERNAL, "interrupted while installing requirements");
        }
    }

    /** Inputs from the config or the model's feature count; outputs from the workers' first call. */
    static ModelMetadata metadata(ModelSource source, JsonNode description) {
        ModelConfig config = source.config();
        JsonNode features = description.path("n_features_in");
        long width = features.isIntegralNumber() ? features.asLong() : -1;
        TensorSpec input = config.inputs().isEmpty()
                ? new TensorSpec("input", DataType.FP64, new long[] {-1, width})
                : config.inputs().get(0);
        if (input.shape().length != 2) {
            throw KubeServeException.unsupported("model '" + source.name() + "': a Python model takes a 2-D input "
                    + "[rows, features]; the config declares " + input);
        }
        List<TensorSpec> outputs = new ArrayList<>();
        JsonNode probed = description.path("outputs");
        if (probed.isArray()) {
            for (JsonNode output : probed) {
                List<Long> shape = new ArrayList<>();
                output.path("shape").forEach(dim -> shape.add(dim.asLong()));
                outputs.add(new TensorSpec(output.path("name").asText(), DataType.fromName(output.path("datatype").asText()),
                        shape.stream().mapToLong(Long::longValue).toArray()));
            }
        } else if ("classifier".equals(description.path("kind").asText())) {
            JsonNode classes = description.path("classes");
            DataType labelType = classes.size() > 0 && classes.get(0).isTextual() ? DataType.BYTES
                    : classes.size() > 0 && classes.get(0).isFloatingPointNumber() ? DataType.FP64 : DataType.INT64;
            outputs.add(new TensorSpec("label", labelType, new long[] {-1}));
            if (description.path("has_proba").asBoolean()) {
                outputs.add(new TensorSpec("probabilities", DataType.FP32, new long[] {-1, classes.size()}));
            }
        } else {
            outputs.add(new TensorSpec("predict", DataType.FP64, new long[] {-1}));
        }
        return new ModelMetadata(source.name(), source.version(), PLATFORM, List.of(input), outputs, config.labels());
    }

    /** The call timeout a config parameter gives; positive seconds, else a load error. */
    static Duration callTimeout(String model, String seconds) {
        if (seconds == null) {
            return DEFAULT_CALL_TIMEOUT;
        }
        try {
            double value = Double.parseDouble(seconds.trim());
            if (value > 0 && value <= Duration.ofDays(1).toSeconds()) {
                return Duration.ofMillis(Math.max(1, Math.round(value * 1000)));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw KubeServeException.invalidInput("model '" + model + "': parameters." + CALL_TIMEOUT_PARAMETER
                + " must be a number of seconds above 0 and at most a day, not '" + seconds + "'");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot delete the Python engine's temporary directory: {}", e.toString());
        }
    }

    /**
     * The loaded model, whose warm-up tolerates a model refusing zeros (a model of string features
     * has no zero input): each worker already ran once at load where its inputs allowed.
     */
    static final class PythonModel implements Model {
        private final LoadedModel model;
        private final WorkerPool pool;

        PythonModel(LoadedModel model, WorkerPool pool) {
            this.model = model;
            this.pool = pool;
        }

        /** Process ids of the live workers. */
        List<Long> workerPids() {
            return pool.pids();
        }

        @Override
        public ModelMetadata metadata() {
            return model.metadata();
        }

        @Override
        public Predictor predictor() {
            return model.predictor();
        }

        @Override
        public Optional<Scheduler> scheduler() {
            return model.scheduler();
        }

        @Override
        public Predictor warmupPredictor() {
            Predictor warmup = model.warmupPredictor();
            return new Predictor() {
                @Override
                public CompletionStage<InferenceResponse> predictAsync(InferenceRequest request) {
                    return warmup.predictAsync(request).exceptionally(failure -> {
                        Throwable cause = KubeServeException.unwrap(failure);
                        if (cause instanceof KubeServeException e && e.code() == ErrorCode.INVALID_INPUT) {
                            LOG.info("model {}: warm-up on zeros refused ({}); serving anyway", metadata().name(),
                                    e.getMessage());
                            return new InferenceResponse(request.id(), metadata().name(), metadata().version(), Map.of());
                        }
                        throw KubeServeException.rethrow(cause);
                    });
                }
            };
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
