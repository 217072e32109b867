package io.kubeserve.core.engine;

import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.spi.Scheduler;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The engine-neutral half of every predictor: checks the request against the model's declared
 * inputs on the caller's thread, hands the inputs (in model order) to the model version's
 * {@link ModelScheduler}, then keeps the requested outputs and, for a classifier with labels, adds
 * the class names, on the thread that finished the execution.
 *
 * <p>Thread-safe when the {@link EngineRunner} is; it holds no per-call state itself. Owns its
 * scheduler: {@link #close} stops it.
 */
public final class EnginePredictor implements Predictor, AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnginePredictor.class);

    private final ModelMetadata metadata;
    /** What the inputs must agree on across each other, beyond each one's own spec. */
    private final InputShapes shapes;
    /** The engine without queue, limit or deadline; what warm-up runs on. */
    private final EngineRunner engine;
    /** Null for {@link #unscheduled()}: the engine then runs on the caller's thread. */
    private final ModelScheduler scheduler;

    private EnginePredictor(ModelMetadata metadata, InputShapes shapes, EngineRunner engine,
                            ModelScheduler scheduler) {
        this.metadata = metadata;
        this.shapes = shapes;
        this.engine = engine;
        this.scheduler = scheduler;
    }

    /**
     * The same predictor straight on the engine, on the caller's thread. Warm-up uses it: a first
     * call may legitimately take far longer than the request timeout, and must not count against
     * the queue.
     *
     * @return a predictor sharing this one's engine and checks, with no queue, limit or deadline;
     *         closing it does nothing
     */
    public EnginePredictor unscheduled() {
        return scheduler == null ? this : new EnginePredictor(metadata, shapes, engine, null);
    }

    /**
     * What callers see: the engine's outputs plus {@code class_name} for classifiers with labels.
     *
     * @param engineMetadata the metadata the engine reports
     * @return the metadata with the {@code class_name} BYTES output added where predictions carry it
     */
    public static ModelMetadata served(ModelMetadata engineMetadata) {
        return engineMetadata.withClassNameOutput(Classification.CLASS_NAME_OUTPUT);
    }

    /**
     * A predictor whose engine calls are scheduled as the model's config says: dynamic batching
     * when {@code max_batch_size} is set and every input carries the model's batch dimension (see
     * {@link InputShapes}), a bounded queue,
     * {@code instances} executions at once, and the request timeout as each request's deadline.
     * The caller owns the predictor and must {@link #close} it before the engine's resources.
     *
     * @param metadata the model's metadata as the engine reports it (inputs checked against it)
     * @param engine   runs one execution; must be thread-safe as {@link EngineRunner} says
     * @param config   the model's config: batching, queue, instances, timeout
     * @return a predictor with its own {@link ModelScheduler}
     */
    public static EnginePredictor scheduled(ModelMetadata metadata, EngineRunner engine, ModelConfig config) {
        InputShapes shapes = InputShapes.of(metadata, config.maxBatchSize() > 0);
        boolean batchable = shapes.batchable();
        if (config.maxBatchSize() > 0 && !batchable) {
            LOG.warn("model {}: max_batch_size is set but its inputs do not all start with the same variable "
                    + "(batch) dimension; batching is off", metadata.name());
        }
        engine = emptyBatchesAnswered(metadata, engine);
        ModelScheduler.Settings settings = ModelScheduler.Settings.of(config, batchable);
        // what the config turned into, once per version: the log is where an operator checks it
        LOG.info("model {} version {}: {} instance(s), queue {}, {}{}", metadata.name(), metadata.version(),
                settings.instances(), settings.maxQueueSize(), settings.maxBatchSize() > 0
                        ? "dynamic batching up to " + settings.maxBatchSize() + " rows (max queue delay "
                                + settings.maxQueueDelayMicros() + " µs, preferred " + settings.preferredBatchSizes() + ")"
                        : "no dynamic batching",
                settings.timeoutMillis() > 0 ? ", request timeout " + settings.timeoutMillis() + " ms" : "");
        ModelScheduler scheduler = new ModelScheduler(engine, metadata.name() + "-v" + metadata.version(), settings);
        return new EnginePredictor(metadata, shapes, engine, scheduler);
    }

    /**
     * The scheduler's view for monitoring.
     *
     * @return the scheduler, or empty for {@link #unscheduled()}
     */
    public java.util.Optional<Scheduler> scheduler() {
        return java.util.Optional.ofNullable(scheduler);
    }

    /** Stops the scheduler: queued requests fail with {@code MODEL_NOT_READY}, running ones finish. */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Override
    public CompletionStage<InferenceResponse> predictAsync(InferenceRequest request) {
        Tensor[] inputs;
        try {
            inputs = bindInputs(metadata, shapes, request);
        } catch (KubeServeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (scheduler == null) {
            try {
                return CompletableFuture.completedFuture(respond(request, engine.run(inputs)));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        // (convert saturates at Long.MAX_VALUE, where Duration.toNanos would throw)
        long timeoutNanos = request.timeout() == null ? 0 : TimeUnit.NANOSECONDS.convert(request.timeout());
        return scheduler.submit(inputs, timeoutNanos).thenApply(raw -> respond(request, raw));
    }

    private InferenceResponse respond(InferenceRequest request, Map<String, Tensor> raw) {
        return new InferenceResponse(request.id(), metadata.name(), metadata.version(), selectOutputs(request, raw));
    }

    /**
     * The request's tensors in the model's input order, each checked against its spec, then
     * against each other on the dimensions the model declares shared. Every mistake names the
     * input and what was expected.
     */
    static Tensor[] bindInputs(ModelMetadata metadata, InputShapes shapes, InferenceRequest request) {
        List<TensorSpec> specs = metadata.inputs();
        Map<String, Tensor> given = request.inputs();
        for (String name : given.keySet()) {
            if (metadata.input(name) == null) {
                throw KubeServeException.invalidInput("model '" + metadata.name() + "' has no input '" + name
                        + "'; its inputs are " + specs);
            }
        }
        Tensor[] bound = new Tensor[specs.size()];
        for (int i = 0; i < bound.length; i++) {
            TensorSpec spec = specs.get(i);
            Tensor tensor = given.get(spec.name());
            if (tensor == null) {
                throw KubeServeException.invalidInput("input '" + spec.name() + "' is missing; model '"
                        + metadata.name() + "' needs " + specs);
            }
            spec.check(tensor);
            bound[i] = tensor;
        }
        shapes.check(bound);
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

    /**
     * The engine, except that a request of zero rows it cannot run (some operators refuse empty
     * tensors) is answered with empty outputs when the model declares every output's shape apart
     * from its batch dimension; otherwise it fails saying why. Engines that run zero rows answer
     * themselves, so the datatypes and shapes are the model's own. Runs inline when the engine may.
     */
    static EngineRunner emptyBatchesAnswered(ModelMetadata metadata, EngineRunner engine) {
        return new EngineRunner() {
            @Override
            public Map<String, Tensor> run(Tensor[] inputs) {
                try {
                    return engine.run(inputs);
                } catch (KubeServeException e) {
                    if (!hasZeroRows(metadata, inputs)) {
                        throw e;
                    }
                    Map<String, Tensor> empty = emptyOutputs(metadata);
                    if (empty == null) {
                        throw KubeServeException.invalidInput("model '" + metadata.name() + "' cannot run a request of "
                                + "zero rows (" + e.getMessage() + "), and it does not declare the shapes of all its "
                                + "outputs, so there is no empty answer to give; send at least one row");
                    }
                    LOG.debug("model {}: the engine refused zero rows ({}); answered from the declared outputs",
                            metadata.name(), e.getMessage());
                    return empty;
                }
            }

            @Override
            public boolean mayRunInline() {
                return engine.mayRunInline();
            }
        };
    }

    private static boolean hasZeroRows(ModelMetadata metadata, Tensor[] inputs) {
        for (int i = 0; i < inputs.length && i < metadata.inputs().size(); i++) {
            if (metadata.inputs().get(i).hasBatchDimension() && inputs[i].rank() > 0 && inputs[i].dim(0) == 0) {
                return true;
            }
        }
        return false;
    }

    /** Zero-row outputs as declared, or null when an output's shape is not known but for its batch dimension. */
    private static Map<String, Tensor> emptyOutputs(ModelMetadata metadata) {
        if (metadata.outputs().isEmpty()) {
            return null;
        }
        Map<String, Tensor> empty = new LinkedHashMap<>();
        for (TensorSpec spec : metadata.outputs()) {
            long[] shape = spec.shape();
            if (!spec.hasBatchDimension()) {
                return null;
            }
            for (int axis = 1; axis < shape.length; axis++) {
                if (shape[axis] < 0) {
                    return null;
                }
            }
            shape[0] = 0;
            empty.put(spec.name(), spec.type() == io.kubeserve.core.tensor.DataType.BYTES
                    ? Tensor.ofBytes(shape, new byte[0][])
                    : Tensor.of(spec.type(), shape, Tensor.allocate(spec.type(), 0)));
        }
        return empty;
    }

    /** Shape with every variable dimension set to one: the smallest input a warm-up can send. */
    static long[] warmupShape(TensorSpec spec) {
        long[] shape = spec.shape();
        return Arrays.stream(shape).map(dim -> dim < 0 ? 1 : dim).toArray();
    }
}
