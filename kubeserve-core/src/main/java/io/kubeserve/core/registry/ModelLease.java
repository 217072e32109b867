package io.kubeserve.core.registry;

import io.kubeserve.core.spi.Model;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A ready model version held for the length of one request: while any lease on it is open the
 * version is not closed, even if a newer one has taken over, unless the registry's drain timeout
 * passes first (then the model is closed under the request, which fails, and a warning is logged).
 *
 * <p>Whoever took it with {@link ModelRegistry#acquire} owns it and closes it when the request is
 * done, on any thread; closing more than once does nothing more. Do not keep the {@link #model()}
 * past {@link #close()}.
 */
public final class ModelLease implements AutoCloseable {

    private final ModelVersion version;
    private final Model model;
    private final AtomicBoolean closed = new AtomicBoolean();

    ModelLease(ModelVersion version, Model model) {
        this.version = version;
        this.model = model;
    }

    /**
     * The leased model: run the request on its {@code predictor()}; never close it (the registry owns it).
     *
     * @return the same model on every call, also after {@link #close()}, when it must no longer be used
     */
    public Model model() {
        return model;
    }

    /** Releases the lease; idempotent and thread-safe. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            version.release();
        }
    }
}
