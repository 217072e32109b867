package io.kubeserve.core.spi;

/**
 * A loaded model version: its metadata and the predictor that runs it. Closing it frees the
 * engine's native resources; whoever loaded it closes it.
 */
public interface Model extends AutoCloseable {

    ModelMetadata metadata();

    /** Safe for concurrent use, see {@link Predictor}. Invalid once the model is closed. */
    Predictor predictor();

    /**
     * What warm-up runs on before the model is ready: the engine without queue, concurrency limit
     * or deadline, since a first call may take far longer than any request timeout. By default the
     * predictor itself.
     */
    default Predictor warmupPredictor() {
        return predictor();
    }

    /** The scheduler of this version, for queue and execution metrics; empty when it has none. */
    default java.util.Optional<Scheduler> scheduler() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
