package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes generated documents as one {@code <kind>.yaml} file per document into a directory. */
public final class ManifestFiles {

    private ManifestFiles() {
    }

    /**
     * Writes each document to {@code dir/<kind>.yaml} ({@link ManifestYaml#fileName}), in UTF-8,
     * replacing files of the same name and creating {@code dir} when missing. Not atomic: a failure
     * part way leaves the files written so far.
     *
     * @param documents what {@link ManifestGenerator#generate} returned
     * @param dir       the target directory
     * @return the files written, in the documents' order
     * @throws UncheckedIOException when the directory or a file cannot be written
     */
    public static List<Path> write(List<? extends KubernetesResource> documents, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return documents.stream().map(doc -> {
            Path file = dir.resolve(ManifestYaml.fileName(doc));
            try {
                Files.writeString(file, ManifestYaml.toYaml(doc), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
            return file;
        }).toList();
    }
}
