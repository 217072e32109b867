package io.kubeserve.core.spi;

/**
 * A loaded model version: its metadata and the predictor that runs it. Closing it frees the
 * engine's native resources; whoever loaded it closes it.
 *
 * <p>Thread-safe: {@link #metadata}, {@link #predictor} and {@link #scheduler} may be called from
 * any thread; {@link #close} must be called once, after the last prediction has completed (the
 * registry's leases see to that).
 */
public interface Model extends AutoCloseable {

    /**
     * What the model declares: name, version, platform, inputs, outputs and class labels.
     *
     * @return the metadata as callers see it (with {@code class_name} for labelled classifiers)
     */
    ModelMetadata metadata();

    /**
     * The predictor that runs this version. Safe for concurrent use, see {@link Predictor}.
     * Invalid once the model is closed: queued requests then fail with {@code MODEL_NOT_READY}.
     *
     * @return the same predictor on every call
     */
    Predictor predictor();

    /**
     * What warm-up runs on before the model is ready: the engine without queue, concurrency limit
     * or deadline, since a first call may take far longer than any request timeout. By default the
     * predictor itself.
     *
     * @return a predictor for warm-up only; not for client traffic
     */
    default Predictor warmupPredictor() {
        return predictor();
    }

    /**
     * The scheduler of this version, for queue and execution metrics.
     *
     * @return the scheduler, or empty when the model runs calls on the caller's thread
     */
    default java.util.Optional<Scheduler> scheduler() {
        return java.util.Optional.empty();
    }

    /**
     * Frees the engine's native memory and stops the scheduler; requests still queued fail with
     * {@code MODEL_NOT_READY}. Does not throw.
     */
    @Override
    void close();
}
