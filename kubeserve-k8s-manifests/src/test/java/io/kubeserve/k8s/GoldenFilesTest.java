package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The example manifests under {@code examples/k8s/} are exactly what the generator writes today.
 * Run with {@code -Dkubeserve.regenerateGolden=true} to rewrite them after an intended change.
 */
class GoldenFilesTest {

    private static final boolean REGENERATE = Boolean.getBoolean("kubeserve.regenerateGolden");

    static Stream<Named<ManifestOptions>> examples() {
        return Stream.of(
                Named.of("iris", Scenarios.iris().build()),
                Named.of("iris-gpu", Scenarios.iris().image("kubeserve/server:0.1.0-gpu").gpus(1).model("s3://models-bucket/iris").build()),
                Named.of("iris-kserve-keda", Scenarios.iris().kserve(true).keda(true)
                        .model("s3://models-bucket/iris").requestsPerSecondPerPod(20).build()),
                Named.of("kserve-cluster-runtime", ManifestOptions.builder("kubeserve", Scenarios.FULL_IMAGE)
                        .clusterRuntime(true).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleMatchesGeneratedOutput(ManifestOptions options, org.junit.jupiter.api.TestInfo info)
            throws IOException {
        String example = info.getDisplayName();
        Path dir = examplesRoot().resolve(example);
        var docs = ManifestGenerator.generate(options);
        if (REGENERATE) {
            clearYaml(dir);
            ManifestFiles.write(docs, dir);
        }

        List<String> expectedFiles = docs.stream().map(ManifestYaml::fileName).sorted().toList();
        assertThat(yamlFiles(dir)).as("files in " + dir).isEqualTo(expectedFiles);
        for (var doc : docs) {
            Path file = dir.resolve(ManifestYaml.fileName(doc));
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).as(file.toString())
                    .isEqualTo(ManifestYaml.toYaml(doc));
        }
    }

    /** {@code examples/k8s} at the repository root; Surefire runs in the module directory. */
    private static Path examplesRoot() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return module.toAbsolutePath().getParent().resolve("examples").resolve("k8s");
    }

    private static List<String> yamlFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList();
        }
    }

    private static void clearYaml(Path dir) throws IOException {
        for (String name : yamlFiles(dir)) {
            Files.delete(dir.resolve(name));
        }
    }
}
