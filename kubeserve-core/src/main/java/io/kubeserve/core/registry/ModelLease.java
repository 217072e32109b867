package io.kubeserve.core.registry;

import io.kubeserve.core.spi.Model;

/**
 * A ready model version held for the length of one request: while any lease is open the version
 * is not closed, even if a newer one has taken over. Close it when the request is done.
 */
public final class ModelLease implements AutoCloseable {

    private final ModelVersion version;
    private final Model model;
    private boolean closed;

    ModelLease(ModelVersion version, Model model) {
        this.version = version;
        this.model = model;
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            version.release();
        }
    }
}
