package io.kubeserve.core.repository;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a model's configuration from its directory: {@code config.json} (KubeServe's, bound
 * strictly by Jackson databind) or {@code config.pbtxt} (Triton's, in protobuf's text format),
 * never both, plus {@code labels.txt} when the config names no classes. Keys follow Triton's model
 * configuration where the concept is Triton's, so a Triton model repository is served unchanged:
 *
 * <pre>{@code
 * {
 *   "engine": "onnxruntime",                       // or "pytorch"; default: by file type
 *   "device": "cpu",                               // "gpu", "gpu:1"
 *   "max_batch_size": 32,                          // > 0: dynamic batching; dims leave out the batch
 *   "input":  [{"name": "input", "data_type": "TYPE_FP32", "dims": [4]}],
 *   "output": [{"name": "output", "data_type": "TYPE_FP32", "dims": [3]}],
 *   "labels": ["setosa", "versicolor", "virginica"],
 *   "dynamic_batching": {"preferred_batch_size": [8, 16], "max_queue_delay_microseconds": 500,
 *                        "default_queue_policy": {"max_queue_size": 128}},
 *   "instance_group": [{"count": 2, "kind": "KIND_CPU"}],
 *   "version_policy": {"latest": {"num_versions": 2}},
 *   "request_timeout_ms": 1000, "intra_op_threads": 1, "inter_op_threads": 1
 * }
 * }</pre>
 *
 * <p>Every problem fails that model's load with an {@code INVALID_INPUT} {@link KubeServeException}
 * naming the file relative to the repository ({@code iris/config.json}, never a server path), the
 * key's path and what was expected. Keys of earlier releases ({@code preferred_batch_sizes},
 * {@code instances}, {@code inputs}/{@code outputs}, ...) are still read, each with a warning
 * naming its replacement, logged once per reader.
 *
 * <p>Thread-safe; one reader serves a whole repository.
 */
public final class ModelConfigReader {

    static final String CONFIG_FILE = "config.json";
    static final String PBTXT_FILE = "config.pbtxt";
    static final String LABELS_FILE = "labels.txt";

    private static final Logger LOG = LoggerFactory.getLogger(ModelConfigReader.class);

    /** Warnings already logged, so a repository polled every few seconds says each once. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** Creates a reader; it holds only the set of warnings already logged. */
    public ModelConfigReader() {
    }

    /**
     * A config as read, with its warnings.
     *
     * @param config   the model's settings; {@link ModelConfig#DEFAULT} if the directory has no config file
     * @param warnings one line per old key used or field skipped, each naming the file; never null
     */
    public record Loaded(ModelConfig config, List<String> warnings) {

        /**
         * Copies {@code warnings}.
         *
         * @param config   the model's settings
         * @param warnings the warnings, copied into an immutable list
         */
        public Loaded {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The config of the model in {@code modelDir}, named after that directory; warnings are logged
     * (each once).
     *
     * @param modelDir the model's directory ({@code ROOT/<model>}); its name is the model's name
     * @return the settings; {@link ModelConfig#DEFAULT}, with the labels of {@code labels.txt} if
     *         there is one, when the directory holds no config file
     * @throws KubeServeException {@code INVALID_INPUT} for a bad config, naming file and key
     */
    public ModelConfig read(Path modelDir) {
        return read(modelDir, nameOf(modelDir));
    }

    /**
     * The config of model {@code modelName} in {@code modelDir}; warnings are logged (each once).
     *
     * @param modelDir  the model's directory
     * @param modelName the name the model is served under; a {@code name} in {@code config.pbtxt} must equal it
     * @return the settings, as {@link #read(Path)} gives them
     * @throws KubeServeException {@code INVALID_INPUT} for a bad config, naming file and key
     */
    public ModelConfig read(Path modelDir, String modelName) {
        Loaded loaded = load(modelDir, modelName);
        for (String warning : loaded.warnings()) {
            if (warned.add(warning)) {
                LOG.warn("model config: {}", warning);
            }
        }
        return loaded.config();
    }

    /**
     * The config of model {@code modelName} in {@code modelDir} and its warnings, logging nothing:
     * {@code config.json} or {@code config.pbtxt} if there is one ({@link ModelConfig#DEFAULT}
     * otherwise), then {@code labels.txt} if the config names no classes.
     *
     * @param modelDir  the model's directory
     * @param modelName the name the model is served under; a {@code name} in {@code config.pbtxt} must equal it
     * @return the settings and the warnings the caller may log or show
     * @throws KubeServeException {@code INVALID_INPUT} for a bad config, both config files present,
     *         or a config or labels file that cannot be read
     */
    public Loaded load(Path modelDir, String modelName) {
        Path json = modelDir.resolve(CONFIG_FILE);
        Path pbtxt = modelDir.resolve(PBTXT_FILE);
        boolean hasJson = Files.isRegularFile(json);
        boolean hasPbtxt = Files.isRegularFile(pbtxt);
        List<String> warnings = new ArrayList<>();
        ModelConfig config;
        if (hasJson && hasPbtxt) {
            throw KubeServeException.invalidInput("model '" + modelName + "' has both " + display(modelDir, CONFIG_FILE)
                    + " and " + display(modelDir, PBTXT_FILE) + "; keep one of them");
        } else if (hasJson) {
            config = JsonModelConfig.read(json, display(modelDir, CONFIG_FILE), modelDir, warnings);
        } else if (hasPbtxt) {
            config = PbtxtModelConfig.read(pbtxt, display(modelDir, PBTXT_FILE), modelName, modelDir, warnings);
        } else {
            config = ModelConfig.DEFAULT;
        }
        Path labelsFile = modelDir.resolve(LABELS_FILE);
        if (config.labels().isEmpty() && Files.isRegularFile(labelsFile)) {
            config = config.withLabels(LabelFiles.read(labelsFile, display(modelDir, LABELS_FILE)));
        }
        return new Loaded(config, warnings);
    }

    /** {@code iris/config.json}: the file relative to the repository holding {@code modelDir}. */
    static String display(Path modelDir, String fileName) {
        Path dirName = modelDir.toAbsolutePath().normalize().getFileName();
        return dirName == null ? fileName : dirName + "/" + fileName;
    }

    private static String nameOf(Path modelDir) {
        Path dirName = modelDir.toAbsolutePath().normalize().getFileName();
        return dirName == null ? "" : dirName.toString();
    }
}
