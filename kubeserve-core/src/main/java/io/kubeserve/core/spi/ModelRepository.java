package io.kubeserve.core.spi;

import java.util.List;

/**
 * Tells which models and versions exist and where their files are. It only describes; loading
 * is the registry's job. Implementations: a Triton-style directory tree, a single model folder.
 */
public interface ModelRepository {

    /** Names of the models present, sorted. */
    List<String> modelNames();

    /**
     * The versions of one model to serve, newest first, each with its file and config.
     *
     * @throws io.kubeserve.core.error.KubeServeException {@code MODEL_NOT_FOUND} for an unknown name
     */
    List<ModelSource> versions(String modelName);

    /** Human-readable location, for logs ({@code /models}). */
    String describe();
}
