package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestOptionsTest {

    @Test
    void defaultsAreProductionReady() {
        ManifestOptions o = Scenarios.iris().build();

        assertThat(o.namespace()).isEqualTo("default");
        assertThat(o.port()).isEqualTo(8080);
        assertThat(o.replicas()).isEqualTo(2);
        assertThat(o.minReplicas()).isEqualTo(2);
        assertThat(o.maxReplicas()).isEqualTo(10);
        assertThat(o.gpus()).isZero();
        assertThat(o.model()).isEqualTo(ModelLocation.DEFAULT);
        assertThat(o.resources()).isEqualTo(ResourceSettings.DEFAULT);
        assertThat(o.requestsPerSecondPerPod()).isEmpty();
        assertThat(o.canaryPercent()).isEmpty();
        assertThat(o.kserve() || o.keda() || o.ingress() || o.clusterRuntime() || o.tls()).isFalse();
        assertThat(o.authTokensSecret()).isNull();
        assertThat(o.runtimePriority()).isEqualTo(ManifestOptions.DEFAULT_RUNTIME_PRIORITY);
    }

    @Test
    void toBuilderKeepsTlsAndTheClusterRuntime() {
        ManifestOptions tls = Scenarios.iris().tlsSecret("iris-tls").build();
        assertThat(tls.toBuilder().build()).isEqualTo(tls);
        ManifestOptions runtime = Scenarios.iris().clusterRuntime(true).runtimePriority(7).build();
        assertThat(runtime.toBuilder().build()).isEqualTo(runtime);
    }

    @Test
    void toBuilderRoundTrips() {
        ManifestOptions o = Scenarios.iris().namespace("ml").gpus(1).kserve(true).canaryPercent(20).grpcPort(9000)
                .probes(ProbeKind.GRPC).kserveProtocol(KServeProtocol.GRPC_V2).authTokensSecret("tokens")
                .runtimePriority(3).allowNamespace("b").allowNamespace("a").serverConfig("KUBESERVE_X", "1").build();

        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.allowedNamespaces()).containsExactly("a", "b");
    }

    @Test
    void probeKindsAndProtocolsParseByTheirNamesAndNameTheChoicesOtherwise() {
        assertThat(ProbeKind.parse("grpc")).isEqualTo(ProbeKind.GRPC);
        assertThat(ProbeKind.parse(" HTTP ")).isEqualTo(ProbeKind.HTTP);
        assertThat(KServeProtocol.parse("grpc-v2")).isEqualTo(KServeProtocol.GRPC_V2);
        assertThat(KServeProtocol.parse("V2")).isEqualTo(KServeProtocol.V2);
        assertThat(Scenarios.iris().probes("grpc").build().probes()).isEqualTo(ProbeKind.GRPC);
        assertThatThrownBy(() -> Scenarios.iris().probes("tcp")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("probes must be one of http, grpc, got 'tcp'");
        assertThatThrownBy(() -> Scenarios.iris().kserveProtocol("grpc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kserveProtocol must be one of v2, grpc-v2, got 'grpc'");
        assertThatThrownBy(() -> ProbeKind.parse(null)).hasMessageContaining("got 'null'");
    }

    @Test
    void nullProbeKindAndProtocolMeanTheDefaults() {
        ManifestOptions o = Scenarios.iris().probes((ProbeKind) null).kserveProtocol((KServeProtocol) null).build();
        assertThat(o.probes()).isEqualTo(ProbeKind.HTTP);
        assertThat(o.kserveProtocol()).isEqualTo(KServeProtocol.V2);
    }

    @Test
    void modelLocationsParse() {
        assertThat(ModelLocation.parse("s3://bucket/a/b").kind()).isEqualTo(ModelLocation.Kind.S3);
        assertThat(ModelLocation.parse("/opt/models").serverPath()).isEqualTo("/opt/models");
        ModelLocation pvc = ModelLocation.parse("pvc://store/iris/v2/");
        assertThat(pvc.claimName()).isEqualTo("store");
        assertThat(pvc.subPath()).isEqualTo("iris/v2");
        assertThat(pvc.serverPath()).isEqualTo("/models");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad("negative replicas", () -> Scenarios.iris().replicas(-1), "replicas must be >= 0"),
                bad("min above max", () -> Scenarios.iris().autoscaling(5, 3),
                        "minReplicas 5 is greater than maxReplicas 3"),
                bad("zero min", () -> Scenarios.iris().autoscaling(0, 3), "minReplicas must be >= 1"),
                bad("missing image", () -> ManifestOptions.builder("iris", null), "image is required"),
                bad("gpu without image", () -> ManifestOptions.builder("iris", " ").gpus(1), "image is required"),
                bad("negative gpus", () -> Scenarios.iris().gpus(-1), "gpus must be >= 0"),
                bad("canary above 100", () -> Scenarios.iris().kserve(true).canaryPercent(101),
                        "canaryPercent must be between 0 and 100"),
                bad("canary below 0", () -> Scenarios.iris().kserve(true).canaryPercent(-5),
                        "canaryPercent must be between 0 and 100"),
                bad("canary without kserve", () -> Scenarios.iris().canaryPercent(10), "canaryPercent needs kserve"),
                bad("canary with keda", () -> Scenarios.iris().kserve(true).keda(true).canaryPercent(10),
                        "cannot be combined with keda"),
                bad("upper-case name", () -> ManifestOptions.builder("Iris", "img"), "not a valid DNS-1123 label"),
                bad("name with underscore", () -> ManifestOptions.builder("iris_v2", "img"),
                        "not a valid DNS-1123 label"),
                bad("name ending in dash", () -> ManifestOptions.builder("iris-", "img"),
                        "not a valid DNS-1123 label"),
                bad("name starting with digit", () -> ManifestOptions.builder("1iris", "img"),
                        "must start with a lowercase letter"),
                bad("name too long", () -> ManifestOptions.builder("a".repeat(64), "img"), "at most 63"),
                bad("missing name", () -> ManifestOptions.builder(null, "img"), "name is required"),
                bad("invalid namespace", () -> Scenarios.iris().namespace("ML.Prod"),
                        "namespace 'ML.Prod' is not a valid DNS-1123 label"),
                bad("zero port", () -> Scenarios.iris().port(0), "port must be between 1 and 65535"),
                bad("port too high", () -> Scenarios.iris().port(70000), "port must be between 1 and 65535"),
                bad("zero rps", () -> Scenarios.iris().requestsPerSecondPerPod(0), "requestsPerSecondPerPod"),
                bad("ingress with kserve", () -> Scenarios.iris().kserve(true).ingress(true),
                        "ingress cannot be combined with kserve"),
                bad("bad ingress host", () -> Scenarios.iris().ingressHost("Iris Host"), "ingressHost"),
                bad("bad allowed namespace", () -> Scenarios.iris().allowNamespace("-x"), "allowed namespace"),
                bad("relative model path", () -> Scenarios.iris().model("models/iris"), "absolute path"),
                bad("unknown model scheme", () -> Scenarios.iris().model("gs://bucket/iris"), "pvc://claim"),
                bad("bad s3 bucket", () -> Scenarios.iris().model("s3://"), "S3 bucket"),
                bad("bad pvc claim", () -> Scenarios.iris().model("pvc://Claim_1"), "PVC claim name"),
                bad("secret without s3", () -> Scenarios.iris().modelCredentialsSecret("creds"),
                        "only applies to an s3:// model"),
                bad("config key not KUBESERVE_", () -> Scenarios.iris().serverConfig("PORT", "1"),
                        "KUBESERVE_[A-Z0-9_]+"),
                bad("bad prometheus address", () -> Scenarios.iris().prometheusAddress("prometheus:9090"),
                        "http(s) URL"),
                bad("bad cpu quantity", () -> Scenarios.iris().resources(new ResourceSettings("lots", "2", "1Gi",
                        "1Gi")), "cpu request 'lots' is not a Kubernetes quantity"),
                bad("grpc probes without grpc", () -> Scenarios.iris().grpcPort(0).probes(ProbeKind.GRPC),
                        "probes=grpc needs the gRPC server, but grpcPort is 0 (off)"),
                bad("negative grpc port", () -> Scenarios.iris().grpcPort(-1),
                        "grpcPort must be between 1 and 65535, or 0 for no gRPC, got -1"),
                bad("grpc port too high", () -> Scenarios.iris().grpcPort(65536), "grpcPort must be between"),
                bad("grpc port equals http port", () -> Scenarios.iris().port(9000).grpcPort(9000),
                        "grpcPort 9000 is the HTTP port too"),
                bad("grpc-v2 without kserve", () -> Scenarios.iris().kserveProtocol(KServeProtocol.GRPC_V2),
                        "kserveProtocol grpc-v2 needs kserve"),
                bad("grpc-v2 without grpc", () -> Scenarios.iris().kserve(true).grpcPort(0)
                        .kserveProtocol(KServeProtocol.GRPC_V2), "kserveProtocol grpc-v2 needs the gRPC server"),
                bad("bad tls secret name", () -> Scenarios.iris().tlsSecret("Iris_TLS"), "tlsSecret"),
                bad("tls with kserve", () -> Scenarios.iris().kserve(true).tlsSecret("iris-tls"),
                        "tlsSecret cannot be combined with kserve or clusterRuntime"),
                bad("tls with cluster runtime", () -> Scenarios.iris().clusterRuntime(true).tlsSecret("iris-tls"),
                        "tlsSecret cannot be combined with kserve or clusterRuntime"),
                bad("tls with grpc probes", () -> Scenarios.iris().probes(ProbeKind.GRPC).tlsSecret("iris-tls"),
                        "the kubelet's gRPC probes cannot use TLS"),
                bad("bad token secret name", () -> Scenarios.iris().authTokensSecret("-tokens"), "authTokensSecret"),
                bad("tokens with cluster runtime", () -> Scenarios.iris().clusterRuntime(true)
                        .authTokensSecret("iris-tokens"), "authTokensSecret cannot be combined with clusterRuntime"),
                bad("protected probes", () -> Scenarios.iris().authTokensSecret("iris-tokens")
                        .serverConfig("KUBESERVE_AUTH_PROBES", "Protected"), "would fail the kubelet's probes"),
                bad("cluster runtime with kserve", () -> Scenarios.iris().clusterRuntime(true).kserve(true),
                        "clusterRuntime cannot be combined with kserve"),
                bad("cluster runtime with keda", () -> Scenarios.iris().clusterRuntime(true).keda(true),
                        "clusterRuntime cannot be combined with keda"),
                bad("cluster runtime with a model", () -> Scenarios.iris().clusterRuntime(true)
                        .model("s3://models-bucket/iris"), "clusterRuntime cannot be combined with a model location"),
                bad("cluster runtime with grpc probes", () -> Scenarios.iris().clusterRuntime(true)
                        .probes(ProbeKind.GRPC), "gRPC probes cannot be combined with clusterRuntime"),
                bad("zero runtime priority", () -> Scenarios.iris().runtimePriority(0), "runtimePriority must be >= 1"),
                bad("request above limit", () -> Scenarios.iris().resources(new ResourceSettings("1", "2", "4Gi",
                        "2Gi")), "memory request 4Gi is above its limit 2Gi"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidOptionsFailAtBuildWithAClearMessage(String name, Supplier<ManifestOptionsBuilder> options,
                                                     String message) {
        assertThatThrownBy(() -> options.get().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    private static Arguments bad(String name, Supplier<ManifestOptionsBuilder> options, String message) {
        return Arguments.of(name, options, message);
    }
}
