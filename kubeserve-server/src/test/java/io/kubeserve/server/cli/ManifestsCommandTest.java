package io.kubeserve.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.k8s.ManifestGenerator;
import io.kubeserve.k8s.ManifestOptions;
import io.kubeserve.k8s.ManifestYaml;
import io.kubeserve.k8s.ResourceSettings;
import io.kubeserve.server.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code manifests}: flags into options, YAML to stdout or files, and bad usage. */
class ManifestsCommandTest {

    private static final String IMAGE = "kubeserve/kubeserve-server:0.1.0";

    private static CliRun run(String... args) {
        String[] withCommand = new String[args.length + 1];
        withCommand[0] = "manifests";
        System.arraycopy(args, 0, withCommand, 1, args.length);
        return CliRun.run(Map.of(), withCommand);
    }

    @Test
    void writesOneFilePerKindIntoTheOutputDirectory(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("iris");
        CliRun run = run("--name", "iris", "--image", IMAGE, "--namespace", "ml", "--gpu", "1",
                "--model-uri", "s3://models-bucket/iris", "--keda", "--ingress-host", "iris.example.com",
                "--out", dir.toString());

        assertThat(run.status()).as(run.err()).isZero();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("configmap.yaml",
                    "deployment.yaml", "service.yaml", "scaledobject.yaml", "poddisruptionbudget.yaml",
                    "networkpolicy.yaml", "servicemonitor.yaml", "ingress.yaml");
        }
        ManifestOptions same = ManifestOptions.builder("iris", IMAGE).namespace("ml").gpus(1)
                .model("s3://models-bucket/iris").keda(true).ingressHost("iris.example.com").build();
        String expected = ManifestYaml.toYaml(ManifestGenerator.generate(same).get(1));
        assertThat(Files.readString(dir.resolve("deployment.yaml"))).isEqualTo(expected);
        assertThat(run.out()).contains("wrote " + dir.resolve("configmap.yaml"));
    }

    @Test
    void printsAllDocumentsToStdoutWithoutOut() {
        CliRun run = run("--image", IMAGE, "--name", "iris", "--kserve", "--canary", "20",
                "--cpu", "500m:1", "--memory", "1Gi", "--config", "KUBESERVE_LOG_LEVEL=debug",
                "--allow-namespace", "apps", "--allow-namespace=batch", "--replicas", "3", "--max-replicas", "12");

        assertThat(run.status()).as(run.err()).isZero();
        ManifestOptions same = ManifestOptions.builder("iris", IMAGE).kserve(true).canaryPercent(20)
                .resources(new ResourceSettings("500m", "1", "1Gi", "1Gi"))
                .serverConfig("KUBESERVE_LOG_LEVEL", "debug").allowNamespace("apps").allowNamespace("batch")
                .replicas(3).maxReplicas(12).build();
        assertThat(run.out()).isEqualTo(ManifestGenerator.toYaml(same));
        assertThat(run.err()).isEmpty();
    }

    @Test
    void withoutOptionalFlagsTheLibraryDefaultsApply() {
        CliRun run = run("--name", "iris", "--image", IMAGE);
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(ManifestGenerator.toYaml(ManifestOptions.builder("iris", IMAGE).build()));
    }

    @Test
    void helpListsTheOptions() {
        CliRun run = run("--help");
        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("--name=NAME", "--image=IMAGE", "--model-uri", "--kserve", "--keda", "--canary",
                "--cpu=REQUEST[:LIMIT]", "--config=KEY=VALUE", "--allow-namespace", "--out=DIR");
    }

    @Test
    void badOptionsExitWithUsageErrorAndTheReason() {
        CliRun run = run("--name", "iris", "--image", "img", "--canary", "150", "--kserve");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("kubeserve manifests: ", "canaryPercent must be between 0 and 100",
                "manifests --help");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void missingImageUnknownFlagAndBadValuesAreReported() {
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris")).contains("'--image=IMAGE'");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--replica", "3"))
                .contains("Unknown option", "'--replica'", "--replicas");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--replicas"))
                .contains("Missing required parameter for option '--replicas'");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--replicas", "many"))
                .contains("'--replicas'", "'many' is not an int");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--cpu", "1:2:3"))
                .contains("'--cpu'", "expected REQUEST[:LIMIT], got '1:2:3'");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--config", "NOVALUE"))
                .contains("'--config'", "KEY=VALUE");
    }

    @Test
    void grpcPortProbesAndProtocolReachTheOptions() {
        CliRun run = run("--name", "iris", "--image", IMAGE, "--kserve", "--grpc-port", "9001", "--probes", "grpc",
                "--protocol", "grpc-v2");
        assertThat(run.status()).as(run.err()).isZero();
        ManifestOptions same = ManifestOptions.builder("iris", IMAGE).kserve(true).grpcPort(9001).probes("grpc")
                .kserveProtocol("grpc-v2").build();
        assertThat(run.out()).isEqualTo(ManifestGenerator.toYaml(same)).contains("9001", "grpc-v2");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--grpc-port", "0",
                "--probes", "grpc")).contains("probes=grpc needs the gRPC server");
    }

    @Test
    void theEnvironmentDoesNotSetManifestOptions() {
        CliRun run = CliRun.run(Map.of("KUBESERVE_PORT", "9999", "KUBESERVE_NAMESPACE", "ml"),
                "manifests", "--name", "iris", "--image", IMAGE);
        assertThat(run.out()).isEqualTo(ManifestGenerator.toYaml(ManifestOptions.builder("iris", IMAGE).build()));
    }
}
