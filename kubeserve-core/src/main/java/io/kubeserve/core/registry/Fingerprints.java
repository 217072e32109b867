package io.kubeserve.core.registry;

import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What identifies the files a version was loaded from: the model file's size and modification
 * time, and the config. A different fingerprint for the same version number means its files
 * were replaced, and the version is reloaded.
 */
final class Fingerprints {

    private Fingerprints() {
    }

    static String of(ModelSource source) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(source.modelFile(), BasicFileAttributes.class);
            return attributes.size() + ":" + attributes.lastModifiedTime().toMillis() + ":" + source.config().hashCode();
        } catch (IOException e) {
            return "missing:" + source.config().hashCode();
        }
    }
}
