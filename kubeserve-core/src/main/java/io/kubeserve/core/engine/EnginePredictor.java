package io.kubeserve.core.engine;

import io.kubeserve.core.Classification;
import io.kubeserve.core.InferenceRequest;
import io.kubeserve.core.InferenceResponse;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.batch.ConcurrencyLimiter;
import io.kubeserve.core.batch.DynamicBatcher;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine-neutral half of every predictor: checks the request against the model's declared
 * inputs, calls the engine with the inputs in model order, then keeps the requested outputs and,
 * for a classifier with labels, adds the class names.
 *
 * <p>Thread-safe when the {@link EngineRunner} is; it holds no per-call state itself.
 */
public final class EnginePredictor implements Predictor, AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnginePredictor.class);

    private final ModelMetadata metadata;
    private final EngineRunner runner;
    /** The engine without queue, limit or deadline; what warm-up runs on. */
    private final EngineRunner engine;

    public EnginePredictor(ModelMetadata metadata, EngineRunner runner) {
        this(metadata, runner, runner);
    }

    private EnginePredictor(ModelMetadata metadata, EngineRunner runner, EngineRunner engine) {
        this.metadata = metadata;
        this.runner = runner;
        this.engine = engine;
    }

    /**
     * The same predictor straight on the engine. Warm-up uses it: a first call may legitimately
     * take far longer than the request timeout, and must not count against the queue.
     */
    public EnginePredictor unscheduled() {
        return runner == engine ? this : new EnginePredictor(metadata, engine);
    }

    /** What callers see: the engine's outputs plus {@code class_name} for classifiers with labels. */
    public static ModelMetadata served(ModelMetadata engineMetadata) {
        return engineMetadata.withClassNameOutput(Classification.CLASS_NAME_OUTPUT);
    }

    /**
     * A predictor whose engine calls are scheduled as the model's config says: through the
     * dynamic batcher when batching is on and every input has a batch dimension, otherwise
     * through a concurrency limit. Either way the wait is bounded and overload fails fast.
     */
    public static EnginePredictor scheduled(ModelMetadata metadata, EngineRunner engine, ModelConfig config) {
        int instances = config.effectiveInstances();
        boolean batchable = !metadata.inputs().isEmpty()
                && metadata.inputs().stream().allMatch(TensorSpec::hasBatchDimension);
        if (config.maxBatchSize() > 0 && !batchable) {
            LOG.warn("model {}: max_batch_size is set but not every input has a batch dimension; batching is off",
                    metadata.name());
        }
        // a timeout needs the engine call off the caller's thread, which the batcher provides (batch size 1)
        boolean queued = batchable && (config.maxBatchSize() > 0 || config.requestTimeoutMillis() > 0);
        EngineRunner scheduled = queued
                ? new DynamicBatcher(engine, metadata.name(), instances, Math.max(1, config.maxBatchSize()),
                        config.maxQueueDelayMicros(), config.preferredBatchSizes(), config.effectiveMaxQueueSize(),
                        config.requestTimeoutMillis())
                : new ConcurrencyLimiter(engine, metadata.name(), instances, config.effectiveMaxQueueSize(),
                        config.requestTimeoutMillis());
        return new EnginePredictor(metadata, scheduled, engine);
    }

    /** Stops the batching threads, if any. */
    @Override
    public void close() {
        if (runner instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing the scheduler of {}: {}", metadata.name(), e.toString());
            }
        }
    }

    @Override
    public InferenceResponse predict(InferenceRequest request) {
        Tensor[] inputs = bindInputs(metadata, request);
        Map<String, Tensor> raw = runner.run(inputs);
        return new InferenceResponse(request.id(), metadata.name(), metadata.version(), selectOutputs(request, raw));
    }

    /**
     * The request's tensors in the model's input order, each checked against its spec. Every
     * mistake names the input and what was expected.
     */
    static Tensor[] bindInputs(ModelMetadata metadata, InferenceRequest request) {
        List<TensorSpec> specs = metadata.inputs();
        Map<String, Tensor> given = request.inputs();
        for (String name : given.keySet()) {
            if (metadata.input(name) == null) {
                throw KubeServeException.invalidInput("model '" + metadata.name() + "' has no input '" + name
                        + "'; its inputs are " + specs);
            }
        }
        Tensor[] bound = new Tensor[specs.size()];
        long batch = -1;
        for (int i = 0; i < bound.length; i++) {
            TensorSpec spec = specs.get(i);
            Tensor tensor = given.get(spec.name());
            if (tensor == null) {
                throw KubeServeException.invalidInput("input '" + spec.name() + "' is missing; model '"
                        + metadata.name() + "' needs " + specs);
            }
            spec.check(tensor);
            if (spec.hasBatchDimension()) {
                if (batch >= 0 && tensor.dim(0) != batch) {
                    throw KubeServeException.invalidInput("inputs disagree on the batch size: '" + spec.name()
                            + "' has " + tensor.dim(0) + " rows, an earlier input " + batch);
                }
                batch = tensor.dim(0);
            }
            bound[i] = tensor;
        }
        return bound;
    }

    private Map<String, Tensor> selectOutputs(InferenceRequest request, Map<String, Tensor> raw) {
        Map<String, Tensor> all = raw;
        if (!metadata.classLabels().isEmpty() && !raw.containsKey(Classification.CLASS_NAME_OUTPUT)) {
            Classification classification = Classification.of(raw, metadata);
            if (classification != null) {
                all = new LinkedHashMap<>(raw);
                all.put(Classification.CLASS_NAME_OUTPUT, classification.classNames());
            }
        }
        if (request.requestedOutputs().isEmpty()) {
            return all;
        }
        Map<String, Tensor> selected = new LinkedHashMap<>();
        for (String name : request.requestedOutputs()) {
            Tensor tensor = all.get(name);
            if (tensor == null) {
                throw KubeServeException.invalidInput("model '" + metadata.name() + "' has no output '" + name
                        + "'; its outputs are " + all.keySet());
            }
            selected.put(name, tensor);
        }
        return selected;
    }

    /** Shape with every variable dimension set to one: the smallest input a warm-up can send. */
    static long[] warmupShape(TensorSpec spec) {
        long[] shape = spec.shape();
        return Arrays.stream(shape).map(dim -> dim < 0 ? 1 : dim).toArray();
    }
}
