package io.kubeserve.core.registry;

import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What identifies the model file a version was loaded from: its size and modification time. A
 * different fingerprint for the same version number means the file was replaced, and the version
 * is reloaded; so is a version whose config changed, which {@link RepositoryPoller} finds by
 * comparing the configs themselves ({@code equals}), only when there is a loaded version to
 * compare with. (The config's {@code hashCode} used to be part of the fingerprint: the record's
 * first {@code hashCode} links a method handle per component, tens of ms of a one-core start.)
 */
final class Fingerprints {

    private Fingerprints() {
    }

    static String of(ModelSource source) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(source.modelFile(), BasicFileAttributes.class);
            return attributes.size() + ":" + attributes.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return "missing";
        }
    }

    /** Whether a loaded version stands for these files and this config: nothing to reload. */
    static boolean same(ModelVersion current, String fingerprint, ModelSource source) {
        return current.fingerprint.equals(fingerprint) && current.source != null
                && current.source.config().equals(source.config());
    }
}
