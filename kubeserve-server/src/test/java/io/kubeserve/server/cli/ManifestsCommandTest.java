package io.kubeserve.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubeserve.core.repository.remote.ModelRepositories;
import io.kubeserve.k8s.ManifestGenerator;
import io.kubeserve.k8s.ManifestOptions;
import io.kubeserve.k8s.ManifestYaml;
import io.kubeserve.k8s.ResourceSettings;
import io.kubeserve.k8s.crd.ClusterServingRuntime;
import io.kubeserve.server.CliRun;
import io.kubeserve.server.ServeCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

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

    @Test
    void clusterRuntimeTlsAndTokenFlagsReachTheOptions() {
        CliRun runtime = run("--name", "kubeserve", "--image", "kubeserve/server:0.1.0-full", "--cluster-runtime",
                "--runtime-priority", "7");
        assertThat(runtime.status()).as(runtime.err()).isZero();
        assertThat(runtime.out()).isEqualTo(ManifestGenerator.toYaml(ManifestOptions.builder("kubeserve",
                "kubeserve/server:0.1.0-full").clusterRuntime(true).runtimePriority(7).build()))
                .startsWith("apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterServingRuntime\n")
                .doesNotContain("\n---\n");

        CliRun secrets = run("--name", "iris", "--image", IMAGE, "--tls-secret", "iris-tls",
                "--auth-tokens-secret", "iris-tokens");
        assertThat(secrets.status()).as(secrets.err()).isZero();
        assertThat(secrets.out()).isEqualTo(ManifestGenerator.toYaml(ManifestOptions.builder("iris", IMAGE)
                .tlsSecret("iris-tls").authTokensSecret("iris-tokens").build())).contains("secretName: iris-tls");

        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--kserve",
                "--tls-secret", "iris-tls")).contains("tlsSecret cannot be combined with kserve");
        assertThat(CliRun.usageError(Map.of(), "manifests", "--name", "iris", "--image", "img", "--cluster-runtime",
                "--keda")).contains("clusterRuntime cannot be combined with keda");
    }

    /**
     * The generated container's flags are serve's: a misspelt or renamed flag would stop every pod at
     * start, so each one the generator writes is looked up in the serve command itself.
     */
    @Test
    void everyFlagTheContainersPassIsAServeOption() {
        CommandSpec serve = new CommandLine(new ServeCommand(Map.of(), Set.of(), (config, unknown) -> 0).spec())
                .getCommandSpec();
        ManifestOptions withSecrets = ManifestOptions.builder("iris", IMAGE).tlsSecret("iris-tls")
                .authTokensSecret("iris-tokens").model("s3://models-bucket/iris").build();
        Container server = ManifestGenerator.generate(withSecrets).stream().filter(Deployment.class::isInstance)
                .map(Deployment.class::cast).findFirst().orElseThrow().getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        List<String> flags = server.getArgs().stream().filter(a -> a.startsWith("--")).toList();
        assertThat(flags).contains("--tls-cert", "--tls-key", "--auth-tokens-file", "--model-repository");
        assertThat(flags).allSatisfy(flag -> assertThat(serve.findOption(flag)).as(flag).isNotNull());
    }

    /**
     * What KServe does with the ClusterServingRuntime for an InferenceService {@code wine} whose
     * storageUri holds one {@code model.onnx}: the storage initializer copies it into {@code /mnt/models}
     * (here a temporary directory), {@code {{.Name}}} becomes {@code wine}, and the container's
     * environment and arguments go to the server's command line, which must accept them and serve that
     * one model under the InferenceService's name.
     */
    @Test
    void theClusterRuntimeServesWhatKServesStorageInitializerWroteUnderTheInferenceServicesName(@TempDir Path tmp)
            throws IOException {
        Path mntModels = Files.createDirectories(tmp.resolve("mnt-models"));
        Files.copy(Path.of("..", "examples", "models", "iris", "1", "model.onnx"), mntModels.resolve("model.onnx"));
        ClusterServingRuntime runtime = (ClusterServingRuntime) ManifestGenerator.generate(ManifestOptions
                .builder("kubeserve", "kubeserve/server:0.1.0-full").clusterRuntime(true).build()).get(0);
        Container container = runtime.spec().containers().get(0);

        Map<String, String> env = new HashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e.getValue().replace("/mnt/models", mntModels.toString())));
        String[] args = container.getArgs().stream()
                .map(a -> a.replace("{{.Name}}", "wine").replace("/mnt/models", mntModels.toString()))
                .toArray(String[]::new);
        CliRun serve = CliRun.run(env, args);

        assertThat(serve.status()).as(serve.err()).isZero();
        assertThat(serve.unknownVariables()).as("every inline variable is a setting").isEmpty();
        assertThat(serve.config().modelName()).isEqualTo("wine");
        assertThat(serve.config().port()).isEqualTo(container.getPorts().get(0).getContainerPort());
        // one declared port (Knative takes one); gRPC still listens, on the generator's default
        assertThat(container.getPorts()).hasSize(1);
        assertThat(serve.config().grpcPort()).isEqualTo(ManifestOptions.DEFAULT_GRPC_PORT);
        assertThat(serve.config().logFormat()).isEqualTo("json");
        assertThat(ModelRepositories.open(serve.config().modelRepository(), tmp.resolve("cache"),
                serve.config().modelName()).modelNames()).containsExactly("wine");
    }
}
