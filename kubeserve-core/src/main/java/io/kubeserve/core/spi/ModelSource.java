package io.kubeserve.core.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one model version's files are and how it should be loaded. Immutable; the files themselves
 * belong to the repository, and a loader only reads them.
 *
 * @param name      model name
 * @param version   version label
 * @param modelFile the model file ({@code model.onnx}, {@code model.pt}, ...)
 * @param config    the model's configuration (engine, device, labels, ...)
 */
public record ModelSource(String name, String version, Path modelFile, ModelConfig config) {

    /**
     * Checks that nothing is missing.
     *
     * @param name      model name
     * @param version   version label
     * @param modelFile the model file
     * @param config    the model's configuration
     * @throws NullPointerException naming the component when any is null
     */
    public ModelSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(config, "config");
    }

    /**
     * The model file's name without its directory, what loaders judge the format by.
     *
     * @return e.g. {@code model.onnx}
     */
    public String fileName() {
        return modelFile.getFileName().toString();
    }
}
