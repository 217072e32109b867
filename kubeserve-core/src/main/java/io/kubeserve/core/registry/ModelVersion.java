package io.kubeserve.core.registry;

import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelSource;

/** One version's mutable life, owned by the registry; readers see it through {@link ModelStatus}. */
final class ModelVersion {

    final String name;
    final String version;
    /** Null when the model's files could not even be described. */
    final ModelSource source;
    volatile ModelState state = ModelState.LOADING;
    volatile String reason;
    volatile Model model;
    volatile long loadMillis = -1;

    ModelVersion(ModelSource source) {
        this.name = source.name();
        this.version = source.version();
        this.source = source;
    }

    /** A model whose repository entry is unusable (no version, bad config): failed from the start. */
    static ModelVersion unusable(String name, String reason) {
        ModelVersion failed = new ModelVersion(name);
        failed.state = ModelState.FAILED;
        failed.reason = reason;
        return failed;
    }

    private ModelVersion(String name) {
        this.name = name;
        this.version = "";
        this.source = null;
    }

    ModelStatus status() {
        Model loaded = model;
        return new ModelStatus(name, version, state, reason, loadMillis,
                loaded == null ? null : loaded.metadata());
    }
}
