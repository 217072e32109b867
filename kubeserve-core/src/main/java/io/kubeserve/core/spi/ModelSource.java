package io.kubeserve.core.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one model version's files are and how it should be loaded.
 *
 * @param name      model name
 * @param version   version label
 * @param modelFile the model file ({@code model.onnx}, {@code model.pt}, ...)
 * @param config    the model's configuration (engine, device, labels, ...)
 */
public record ModelSource(String name, String version, Path modelFile, ModelConfig config) {

    public ModelSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(config, "config");
    }

    public String fileName() {
        return modelFile.getFileName().toString();
    }
}
