package io.kubeserve.core.repository;

import io.kubeserve.core.error.KubeServeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Class-name files: one name per line, class 0 first, blank lines skipped. Stateless. */
final class LabelFiles {

    private LabelFiles() {
    }

    /**
     * The names in {@code file}.
     *
     * @param display the file as messages name it (relative to the repository)
     * @throws KubeServeException {@code INVALID_INPUT} when it cannot be read
     */
    static List<String> read(Path file, String display) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw KubeServeException.invalidInput("cannot read " + display + ": " + e.getClass().getSimpleName());
        }
    }

    /**
     * The names in the file a config's {@code label_filename} names, a plain file name inside
     * {@code modelDir} (Triton's rule; no directories, so a config cannot reach outside its model).
     *
     * @param configFile the config as messages name it
     * @param key        the key that named the file
     */
    static List<String> read(Path modelDir, String fileName, String configFile, String key) {
        if (fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\") || fileName.equals(".")
                || fileName.equals("..")) {
            throw TritonTerms.problem(configFile, key, "expected a file name in the model's directory, got \""
                    + fileName + "\"");
        }
        Path file = modelDir.resolve(fileName);
        String display = siblingName(configFile, fileName);
        if (!Files.isRegularFile(file)) {
            throw TritonTerms.problem(configFile, key, display + " does not exist");
        }
        return read(file, display);
    }

    /** {@code iris/labels.txt} for {@code iris/config.pbtxt} and {@code labels.txt}. */
    static String siblingName(String configFile, String fileName) {
        int slash = configFile.lastIndexOf('/');
        return slash < 0 ? fileName : configFile.substring(0, slash + 1) + fileName;
    }
}
