package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One file per document: names by kind, content as {@link ManifestYaml} writes each document. */
class ManifestFilesTest {

    @Test
    void writesEachDocumentToItsKindsFileCreatingTheDirectory(@TempDir Path tmp) throws IOException {
        List<KubernetesResource> docs = ManifestGenerator.generate(Scenarios.iris().keda(true)
                .ingressHost("iris.example.com").build());
        Path dir = tmp.resolve("a/b");

        List<Path> written = ManifestFiles.write(docs, dir);

        assertThat(written).hasSize(docs.size());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("configmap.yaml",
                    "deployment.yaml", "service.yaml", "scaledobject.yaml", "poddisruptionbudget.yaml",
                    "networkpolicy.yaml", "servicemonitor.yaml", "ingress.yaml");
        }
        for (int i = 0; i < docs.size(); i++) {
            assertThat(written.get(i)).isEqualTo(dir.resolve(ManifestYaml.fileName(docs.get(i))));
            assertThat(Files.readString(written.get(i), StandardCharsets.UTF_8))
                    .isEqualTo(ManifestYaml.toYaml(docs.get(i)));
        }
    }

    @Test
    void aDirectoryThatIsAFileFailsNamingIt(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        List<KubernetesResource> docs = ManifestGenerator.generate(Scenarios.iris().build());
        assertThatThrownBy(() -> ManifestFiles.write(docs, file)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(file.toString());
    }
}
