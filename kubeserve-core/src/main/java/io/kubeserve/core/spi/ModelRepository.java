package io.kubeserve.core.spi;

import java.util.List;

/**
 * Tells which models and versions exist and where their files are. It only describes; loading
 * is the registry's job. Implementations: a Triton-style directory tree, a single model folder.
 *
 * <p>Implementations are thread-safe: the registry and a reload may ask at the same time.
 */
public interface ModelRepository {

    /**
     * The models present now; each call looks again, so a repository that changes on disk is seen
     * changed.
     *
     * @return model names, sorted, unmodifiable; empty for an empty repository
     */
    List<String> modelNames();

    /**
     * The versions of one model to serve, newest first, each with its file and config.
     *
     * @param modelName a name from {@link #modelNames()}
     * @return the versions its version policy selects, newest first, unmodifiable
     * @throws io.kubeserve.core.error.KubeServeException {@code MODEL_NOT_FOUND} for an unknown name,
     *         {@code INVALID_INPUT} for a model whose config or files are wrong, {@code INTERNAL}
     *         when the storage cannot be read
     */
    List<ModelSource> versions(String modelName);

    /**
     * Where the models are, for logs and status pages.
     *
     * @return a human-readable location, e.g. {@code /models}
     */
    String describe();
}
