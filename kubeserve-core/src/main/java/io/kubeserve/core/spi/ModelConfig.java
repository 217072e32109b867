package io.kubeserve.core.spi;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Map;

/**
 * Per-model settings, read from {@code ROOT/<model>/config.json} or Triton's {@code config.pbtxt}
 * (see {@code io.kubeserve.core.repository.ModelConfigReader}); every field has a default so a bare
 * model file needs no config at all. Where a setting is Triton's, the key and its meaning follow the
 * field of Triton's {@code model_config.proto} named below.
 *
 * <p>Immutable and thread-safe; the lists are unmodifiable copies. The constructor checks ranges and
 * throws a {@link KubeServeException} with {@link io.kubeserve.core.error.ErrorCode#INVALID_INPUT
 * INVALID_INPUT}, naming the config key, for a negative count, size, delay or timeout, and for a
 * preferred batch size outside 1 to {@code maxBatchSize}.
 *
 * @param engine              loader to use ({@code onnxruntime}, {@code pytorch}); null picks by file type
 * @param device              where to run: {@code cpu} (default), {@code gpu} or {@code gpu:N}
 * @param inputs              declared inputs, for formats that carry no signature (TorchScript);
 *                            empty: what the model file says, or one FP32 input named {@code input}
 * @param outputs             declared outputs (names for TorchScript's positional outputs); empty: from the model
 * @param labels              class names by class index; empty when there are none
 * @param maxBatchSize        largest batch (in rows) the dynamic batcher may form; 0 turns batching off
 *                            (Triton {@code max_batch_size}; when above 0, {@code dims} leave out the batch dimension)
 * @param maxQueueDelayMicros longest a request waits for others to join its batch, in microseconds
 *                            (Triton {@code dynamic_batching.max_queue_delay_microseconds})
 * @param preferredBatchSizes batch sizes in rows worth running at once, without waiting out the delay
 *                            (Triton {@code dynamic_batching.preferred_batch_size})
 * @param maxQueueSize        requests that may wait for an execution slot; beyond, OVERLOADED (0: 64 per
 *                            instance; Triton {@code dynamic_batching.default_queue_policy.max_queue_size})
 * @param requestTimeoutMillis longest a request may wait and run, in milliseconds; beyond, TIMEOUT
 *                            (0: no limit; KubeServe's own {@code request_timeout_ms})
 * @param versionPolicy       which versions to serve (default: the newest; Triton {@code version_policy})
 * @param instances           parallel executions allowed at once; 0 means one per core
 *                            (Triton {@code instance_group[0].count})
 * @param intraOpThreads      engine threads inside one operator; 0 means the engine's choice for this machine
 * @param interOpThreads      engine threads across operators; 0 means the engine's choice
 * @param parameters          engine-specific settings by key (Triton {@code parameters}, string values only),
 *                            e.g. {@code python} for the Python engine's interpreter; empty when none
 */
public record ModelConfig(String engine, Device device, List<TensorSpec> inputs, List<TensorSpec> outputs,
                          List<String> labels,
                          int maxBatchSize, long maxQueueDelayMicros, List<Integer> preferredBatchSizes,
                          int maxQueueSize, long requestTimeoutMillis, VersionPolicy versionPolicy, int instances,
                          int intraOpThreads, int interOpThreads, Map<String, String> parameters) {

    /** Every default: engine by file type, CPU, no batching, newest version only, sizes by core count. */
    public static final ModelConfig DEFAULT = new ModelConfig(null, Device.CPU, List.of(), List.of(), List.of(),
            0, 0, List.of(), 0, 0, VersionPolicy.LATEST, 0, 0, 0, Map.of());

    /**
     * Fills in defaults, copies the lists and checks the ranges.
     *
     * @param engine               loader name, or null to pick by file type
     * @param device               where to run; null: the CPU
     * @param inputs               declared inputs; null: none
     * @param outputs              declared outputs; null: none
     * @param labels               class names by class index; null: none
     * @param maxBatchSize         largest batch in rows, 0 for no batching
     * @param maxQueueDelayMicros  batching delay in microseconds
     * @param preferredBatchSizes  preferred batch sizes in rows, each 1 to {@code maxBatchSize}; null: none
     * @param maxQueueSize         waiting requests allowed, 0 for the default
     * @param requestTimeoutMillis deadline in milliseconds, 0 for none
     * @param versionPolicy        versions to serve; null: the newest
     * @param instances            parallel executions, 0 for one per core
     * @param intraOpThreads       engine threads inside an operator, 0 for the default
     * @param interOpThreads       engine threads across operators, 0 for the default
     * @param parameters           engine-specific settings by key; null: none
     * @throws KubeServeException {@code INVALID_INPUT} for a negative number or a preferred batch size
     *         out of range, naming the config key
     */
    public ModelConfig {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        device = device == null ? Device.CPU : device;
        versionPolicy = versionPolicy == null ? VersionPolicy.LATEST : versionPolicy;
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        labels = labels == null ? List.of() : List.copyOf(labels);
        requireNonNegative("max_batch_size", maxBatchSize);
        requireNonNegative("max_queue_delay_microseconds", maxQueueDelayMicros);
        preferredBatchSizes = preferredBatchSizes == null ? List.of() : List.copyOf(preferredBatchSizes);
        for (int size : preferredBatchSizes) {
            if (size < 1 || (maxBatchSize > 0 && size > maxBatchSize)) {
                throw KubeServeException.invalidInput("model config: preferred batch size " + size
                        + " must be between 1 and max_batch_size " + maxBatchSize);
            }
        }
        requireNonNegative("max_queue_size", maxQueueSize);
        requireNonNegative("request_timeout_ms", requestTimeoutMillis);
        requireNonNegative("instances", instances);
        requireNonNegative("intra_op_threads", intraOpThreads);
        requireNonNegative("inter_op_threads", interOpThreads);
    }

    /**
     * A config without engine-specific parameters; see the canonical constructor for each field.
     *
     * @param engine               loader name, or null to pick by file type
     * @param device               where to run; null: the CPU
     * @param inputs               declared inputs; null: none
     * @param outputs              declared outputs; null: none
     * @param labels               class names by class index; null: none
     * @param maxBatchSize         largest batch in rows, 0 for no batching
     * @param maxQueueDelayMicros  batching delay in microseconds
     * @param preferredBatchSizes  preferred batch sizes in rows; null: none
     * @param maxQueueSize         waiting requests allowed, 0 for the default
     * @param requestTimeoutMillis deadline in milliseconds, 0 for none
     * @param versionPolicy        versions to serve; null: the newest
     * @param instances            parallel executions, 0 for one per core
     * @param intraOpThreads       engine threads inside an operator, 0 for the default
     * @param interOpThreads       engine threads across operators, 0 for the default
     * @throws KubeServeException {@code INVALID_INPUT} as the canonical constructor
     */
    public ModelConfig(String engine, Device device, List<TensorSpec> inputs, List<TensorSpec> outputs,
                       List<String> labels, int maxBatchSize, long maxQueueDelayMicros,
                       List<Integer> preferredBatchSizes, int maxQueueSize, long requestTimeoutMillis,
                       VersionPolicy versionPolicy, int instances, int intraOpThreads, int interOpThreads) {
        this(engine, device, inputs, outputs, labels, maxBatchSize, maxQueueDelayMicros, preferredBatchSizes,
                maxQueueSize, requestTimeoutMillis, versionPolicy, instances, intraOpThreads, interOpThreads, Map.of());
    }

    /**
     * A copy with other class names (from {@code labels.txt}, for instance); this config is unchanged.
     *
     * @param newLabels class names by class index; null or empty for none
     * @return the new config
     */
    public ModelConfig withLabels(List<String> newLabels) {
        return new ModelConfig(engine, device, inputs, outputs, newLabels, maxBatchSize, maxQueueDelayMicros,
                preferredBatchSizes, maxQueueSize, requestTimeoutMillis, versionPolicy, instances, intraOpThreads,
                interOpThreads, parameters);
    }

    /**
     * Parallel executions: as configured, else one per core. Measured on 2 cores with the iris
     * model at 32 connections: one per core served 16-19k requests/s where one per two cores
     * (each with two engine threads) served 12-14k; callers queued behind a single slot pay a
     * thread hand-off each.
     *
     * @return {@link #instances()} if set, else the number of available processors; at least 1
     */
    public int effectiveInstances() {
        return instances > 0 ? instances : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Engine threads per execution: as configured, else the cores shared out among the instances.
     *
     * @return {@link #intraOpThreads()} if set, else available processors divided by
     *         {@link #effectiveInstances()}; at least 1
     */
    public int effectiveIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors() / effectiveInstances());
    }

    /**
     * Requests allowed to wait: as configured, else 64 per instance.
     *
     * @return {@link #maxQueueSize()} if set, else 64 times {@link #effectiveInstances()}
     */
    public int effectiveMaxQueueSize() {
        return maxQueueSize > 0 ? maxQueueSize : 64 * effectiveInstances();
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw KubeServeException.invalidInput("model config: " + field + " must be >= 0, got " + value);
        }
    }

    /**
     * A compute device: the CPU or one GPU by index. Immutable.
     *
     * @param gpu   true for a GPU
     * @param index the GPU's index as the engine numbers them (CUDA device order), 0 for the CPU
     */
    public record Device(boolean gpu, int index) {

        /** The CPU, the default device. */
        public static final Device CPU = new Device(false, 0);

        /**
         * Parses {@code cpu}, {@code gpu}, {@code gpu:N} (also {@code cuda}, {@code cuda:N}), in any case.
         *
         * @param text the device as written in a config; null or blank means the CPU
         * @return the device; {@code gpu} alone is GPU 0
         * @throws KubeServeException {@code INVALID_INPUT} for anything else, a negative or
         *         non-numeric index included
         */
        public static Device parse(String text) {
            if (text == null || text.isBlank() || text.equalsIgnoreCase("cpu")) {
                return CPU;
            }
            String lower = text.trim().toLowerCase(java.util.Locale.ROOT);
            String kind = lower;
            int index = 0;
            int colon = lower.indexOf(':');
            if (colon >= 0) {
                kind = lower.substring(0, colon);
                try {
                    index = Integer.parseInt(lower.substring(colon + 1));
                } catch (NumberFormatException e) {
                    index = -1;
                }
            }
            if ((kind.equals("gpu") || kind.equals("cuda")) && index >= 0) {
                return new Device(true, index);
            }
            throw KubeServeException.invalidInput("device '" + text + "' is not one of cpu, gpu, gpu:N");
        }

        @Override
        public String toString() {
            return gpu ? "gpu:" + index : "cpu";
        }
    }
}
