package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestsCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void writesOneFilePerKindIntoTheOutputDirectory(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("iris");
        int code = run("--name", "iris", "--image", Scenarios.IMAGE, "--namespace", "ml", "--gpu", "1",
                "--model-uri", "s3://models-bucket/iris", "--keda", "--ingress-host", "iris.example.com",
                "--out", dir.toString());

        assertThat(code).isZero();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("configmap.yaml",
                    "deployment.yaml", "service.yaml", "scaledobject.yaml", "poddisruptionbudget.yaml",
                    "networkpolicy.yaml", "servicemonitor.yaml", "ingress.yaml");
        }
        ManifestOptions same = Scenarios.iris().namespace("ml").gpus(1).model("s3://models-bucket/iris").keda(true)
                .ingressHost("iris.example.com").build();
        String expected = ManifestYaml.toYaml(ManifestGenerator.generate(same).get(1));
        assertThat(Files.readString(dir.resolve("deployment.yaml"))).isEqualTo(expected);
        assertThat(stdout()).contains("wrote " + dir.resolve("configmap.yaml"));
    }

    @Test
    void printsAllDocumentsToStdoutWithoutOut() {
        int code = run("--image", Scenarios.IMAGE, "--name", "iris", "--kserve", "--canary", "20",
                "--cpu", "500m:1", "--memory", "1Gi", "--config", "KUBESERVE_LOG_LEVEL=debug");

        assertThat(code).isZero();
        ManifestOptions same = Scenarios.iris().kserve(true).canaryPercent(20)
                .resources(new ResourceSettings("500m", "1", "1Gi", "1Gi"))
                .serverConfig("KUBESERVE_LOG_LEVEL", "debug").build();
        assertThat(stdout()).isEqualTo(ManifestGenerator.toYaml(same));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void helpDescribesTheFlags() {
        assertThat(run("--help")).isZero();
        assertThat(stdout()).contains("--name", "--image", "--model-uri", "--kserve", "--keda", "--canary", "--out");
    }

    @Test
    void badOptionsExitWithUsageErrorAndTheReason() {
        assertThat(run("--name", "iris", "--image", "img", "--canary", "150", "--kserve")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("canaryPercent must be between 0 and 100");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void missingImageUnknownFlagAndMissingValuesAreReported() {
        assertThat(run("--name", "iris")).isEqualTo(2);
        assertThat(run("--name", "iris", "--image", "img", "--replica", "3")).isEqualTo(2);
        assertThat(run("--name", "iris", "--image", "img", "--replicas")).isEqualTo(2);
        assertThat(run("--name", "iris", "--image", "img", "--replicas", "many")).isEqualTo(2);
        assertThat(run("--name", "iris", "--image", "img", "--bogus")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("image is required", "unknown option '--replica'",
                "--replicas needs a value", "--replicas needs a whole number, got 'many'",
                "unknown option '--bogus'");
    }

    private int run(String... args) {
        return ManifestsCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }
}
