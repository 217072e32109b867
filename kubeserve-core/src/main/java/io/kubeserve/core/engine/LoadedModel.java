package io.kubeserve.core.engine;

import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.Predictor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model version as engines return it: metadata, predictor, and the resources to free when it is
 * closed. Plug-in engines can return one too.
 *
 * <p>Thread-safe; {@link #close} may race with itself and runs once. It takes over the resources
 * given to it: the caller must not close them itself.
 */
public final class LoadedModel implements Model {

    private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);

    /** A native resource closed with the model. */
    @FunctionalInterface
    public interface Resource {
        /**
         * Frees the resource; called once, on the thread that closes the model.
         *
         * @throws Exception any failure, which is logged and does not stop the other resources
         */
        void close() throws Exception;
    }

    private final ModelMetadata metadata;
    private final Predictor predictor;
    private final Resource[] resources;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A model over a predictor and the native resources behind it.
     *
     * @param metadata  what the model declares, as callers should see it
     * @param predictor the predictor that runs it; an {@link EnginePredictor} also gives the
     *                  scheduler and the warm-up predictor
     * @param resources closed in the order given when the model is closed (the predictor first, so
     *                  queued requests are answered before the engine goes); owned by the model
     */
    public LoadedModel(ModelMetadata metadata, Predictor predictor, Resource... resources) {
        this.metadata = metadata;
        this.predictor = predictor;
        this.resources = resources;
    }

    @Override
    public ModelMetadata metadata() {
        return metadata;
    }

    @Override
    public Predictor predictor() {
        return predictor;
    }

    @Override
    public java.util.Optional<io.kubeserve.core.spi.Scheduler> scheduler() {
        return predictor instanceof EnginePredictor scheduled ? scheduled.scheduler() : java.util.Optional.empty();
    }

    @Override
    public Predictor warmupPredictor() {
        return predictor instanceof EnginePredictor scheduled ? scheduled.unscheduled() : predictor;
    }

    /** Frees resources in the order given; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Resource resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} version {}: {}", metadata.name(), metadata.version(), e.toString());
            }
        }
    }
}
