package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.kubeserve.k8s.crd.InferenceService;
import io.kubeserve.k8s.crd.ServiceMonitor;
import io.kubeserve.k8s.crd.ServingRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gRPC port, gRPC probes and KServe's grpc-v2, document by document. */
class GrpcManifestsTest {

    @Test
    void grpcIsOnByDefaultOnPort8081() {
        ManifestOptions o = Scenarios.iris().build();
        assertThat(o.grpcPort()).isEqualTo(ManifestOptions.DEFAULT_GRPC_PORT).isEqualTo(8081);
        assertThat(o.grpc()).isTrue();
        assertThat(o.probes()).isEqualTo(ProbeKind.HTTP);
        assertThat(o.kserveProtocol()).isEqualTo(KServeProtocol.V2);
    }

    @Test
    void deploymentDeclaresAndStartsTheGrpcPort() {
        ManifestOptions o = Scenarios.iris().grpcPort(9000).build();
        Container server = deploymentServer(o);

        assertThat(server.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort,
                ContainerPort::getProtocol).containsExactly(
                        tuple("http", o.port(), "TCP"),
                        tuple("grpc", 9000, "TCP"));
        assertThat(argAfter(server, "--grpc-port")).isEqualTo("9000");
        assertThat(Manifests.serverConfig(o)).containsEntry("KUBESERVE_GRPC_PORT", "9000")
                .containsEntry("KUBESERVE_PORT", Integer.toString(o.port()))
                // clients connect again each minute, so pods the autoscaler adds get their calls
                .containsEntry("KUBESERVE_GRPC_MAX_CONNECTION_AGE", "60")
                // a stream of a client that vanished on an aged connection is found within 80 s, not 2 h
                .containsEntry("KUBESERVE_GRPC_KEEPALIVE_TIME", "60");
        // the options' own server config wins
        assertThat(Manifests.serverConfig(Scenarios.iris().grpcPort(9000)
                .serverConfig("KUBESERVE_GRPC_MAX_CONNECTION_AGE", "300").build()))
                .containsEntry("KUBESERVE_GRPC_MAX_CONNECTION_AGE", "300");
    }

    @Test
    void serviceExposesGrpcAsHttp2CleartextNextToHttp() {
        Service service = find(Scenarios.iris().grpcPort(9000).build(), Service.class);

        assertThat(service.getSpec().getPorts()).hasSize(2);
        ServicePort http = service.getSpec().getPorts().get(0);
        assertThat(http.getName()).isEqualTo("http");
        assertThat(http.getAppProtocol()).isNull();
        ServicePort grpc = service.getSpec().getPorts().get(1);
        assertThat(grpc.getName()).isEqualTo("grpc");
        assertThat(grpc.getPort()).isEqualTo(9000);
        assertThat(grpc.getTargetPort()).isEqualTo(new IntOrString("grpc"));
        assertThat(grpc.getProtocol()).isEqualTo("TCP");
        assertThat(grpc.getAppProtocol()).isEqualTo("kubernetes.io/h2c");
    }

    @Test
    void networkPolicyLetsCallersReachGrpcButMonitoringOnlyHttp() {
        ManifestOptions o = Scenarios.iris().grpcPort(9000).allowNamespace("frontend").build();
        List<NetworkPolicyIngressRule> rules = find(o, NetworkPolicy.class).getSpec().getIngress();

        assertThat(rules).hasSize(2);
        assertThat(rules.get(0).getFrom().get(0).getNamespaceSelector().getMatchExpressions().get(0).getValues())
                .contains("frontend", "default");
        assertThat(rules.get(0).getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(8080, 9000);
        assertThat(rules.get(1).getFrom().get(0).getNamespaceSelector().getMatchExpressions().get(0).getValues())
                .containsExactly("monitoring");
        assertThat(rules.get(1).getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(8080);
    }

    @Test
    void serviceMonitorStillScrapesHttp() {
        ServiceMonitor withGrpc = find(Scenarios.iris().build(), ServiceMonitor.class);
        ServiceMonitor without = find(Scenarios.iris().grpcPort(0).build(), ServiceMonitor.class);

        assertThat(withGrpc).isEqualTo(without);
        assertThat(withGrpc.spec().endpoints()).singleElement()
                .satisfies(e -> assertThat(e.port()).isEqualTo("http"));
    }

    @Test
    void grpcPortZeroExposesNothingAndTurnsTheServersDefaultOff() {
        ManifestOptions o = Scenarios.iris().grpcPort(0).build();
        Container server = deploymentServer(o);

        assertThat(o.grpc()).isFalse();
        assertThat(server.getPorts()).extracting(ContainerPort::getName).containsExactly("http");
        // Without the flag the server would listen on its default 8081, which nothing exposes.
        assertThat(argAfter(server, "--grpc-port")).isEqualTo("0");
        assertThat(Manifests.serverConfig(o)).doesNotContainKeys("KUBESERVE_GRPC_MAX_CONNECTION_AGE",
                "KUBESERVE_GRPC_KEEPALIVE_TIME");
        assertThat(find(o, Service.class).getSpec().getPorts()).extracting(ServicePort::getName)
                .containsExactly("http");
        assertThat(find(o, NetworkPolicy.class).getSpec().getIngress()).allSatisfy(rule ->
                assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(8080));
        assertThat(ManifestGenerator.toYaml(o)).doesNotContain("h2c").doesNotContain("8081");
    }

    @Test
    void grpcProbesCheckHealthOnTheGrpcPortWithTheSameTiming() {
        ManifestOptions http = Scenarios.iris().grpcPort(9000).build();
        ManifestOptions grpc = http.toBuilder().probes(ProbeKind.GRPC).build();
        Container httpServer = deploymentServer(http);
        Container grpcServer = deploymentServer(grpc);

        List<Probe> httpProbes = probes(httpServer);
        List<Probe> grpcProbes = probes(grpcServer);
        for (int i = 0; i < grpcProbes.size(); i++) {
            Probe p = grpcProbes.get(i);
            assertThat(p.getHttpGet()).isNull();
            assertThat(p.getGrpc().getPort()).isEqualTo(9000);
            // liveness asks for the service that stays SERVING while the process runs; the others for
            // the overall one, which follows readiness
            assertThat(p.getGrpc().getService()).isEqualTo(p == grpcServer.getLivenessProbe() ? "liveness" : null);
            assertThat(p.getPeriodSeconds()).isEqualTo(httpProbes.get(i).getPeriodSeconds());
            assertThat(p.getFailureThreshold()).isEqualTo(httpProbes.get(i).getFailureThreshold());
            assertThat(p.getTimeoutSeconds()).isEqualTo(httpProbes.get(i).getTimeoutSeconds());
        }
        JsonTree yaml = new JsonTree(ManifestGenerator.toYaml(grpc));
        assertThat(yaml.deployment().at("/spec/template/spec/containers/0/livenessProbe/grpc/port").asInt())
                .isEqualTo(9000);
        assertThat(yaml.deployment().at("/spec/template/spec/containers/0/livenessProbe/grpc/service").asText())
                .isEqualTo("liveness");
        assertThat(yaml.deployment().at("/spec/template/spec/containers/0/readinessProbe/grpc").has("service"))
                .isFalse();
    }

    @Test
    void kserveRuntimeListsBothProtocolsAndNamesTheGrpcPortH2c() {
        ManifestOptions o = Scenarios.iris().kserve(true).build();
        ServingRuntime runtime = find(o, ServingRuntime.class);
        InferenceService.Model model = find(o, InferenceService.class).spec().predictor().model();

        assertThat(runtime.spec().protocolVersions()).containsExactly("v1", "v2", "grpc-v2");
        assertThat(runtime.spec().supportedModelFormats()).extracting(ServingRuntime.SupportedModelFormat::name)
                .containsExactly(model.modelFormat().name());
        assertThat(model.runtime()).isEqualTo(runtime.metadata().getName());
        assertThat(model.protocolVersion()).isEqualTo("v2");
        Container server = runtime.spec().containers().get(0);
        assertThat(server.getName()).isEqualTo("kserve-container");
        assertThat(server.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(tuple("http1", 8080),
                        tuple("h2c", 8081));
        assertThat(argAfter(server, "--grpc-port")).isEqualTo("8081");
    }

    @Test
    void kserveGrpcV2IsTheDeclaredProtocol() {
        ManifestOptions o = Scenarios.iris().kserve(true).kserveProtocol("grpc-v2").grpcPort(9000).build();
        InferenceService.Model model = find(o, InferenceService.class).spec().predictor().model();
        ServingRuntime runtime = find(o, ServingRuntime.class);

        assertThat(model.protocolVersion()).isEqualTo("grpc-v2");
        assertThat(runtime.spec().protocolVersions()).contains(model.protocolVersion());
        assertThat(runtime.spec().containers().get(0).getPorts()).extracting(ContainerPort::getName)
                .containsExactly("http1", "h2c");
        assertThat(new JsonTree(ManifestGenerator.toYaml(o)).kind("InferenceService")
                .at("/spec/predictor/model/protocolVersion").asText()).isEqualTo("grpc-v2");
    }

    @Test
    void kserveWithoutGrpcOffersOnlyTheRestProtocols() {
        ManifestOptions o = Scenarios.iris().kserve(true).grpcPort(0).build();
        ServingRuntime runtime = find(o, ServingRuntime.class);

        assertThat(runtime.spec().protocolVersions()).containsExactly("v1", "v2");
        assertThat(runtime.spec().containers().get(0).getPorts()).extracting(ContainerPort::getName)
                .containsExactly("http1");
    }

    @Test
    void serverlessKServeDeclaresTheOnePortKnativeRoutesTo() {
        ManifestOptions rest = Scenarios.iris().kserve(true).canaryPercent(10).build();
        ManifestOptions grpc = rest.toBuilder().kserveProtocol(KServeProtocol.GRPC_V2).build();

        assertThat(find(rest, ServingRuntime.class).spec().containers().get(0).getPorts())
                .extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(tuple("http1", 8080));
        assertThat(find(grpc, ServingRuntime.class).spec().containers().get(0).getPorts())
                .extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(tuple("h2c", 8081));
    }

    private static Container deploymentServer(ManifestOptions o) {
        return find(o, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static List<Probe> probes(Container c) {
        return List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe());
    }

    private static String argAfter(Container c, String flag) {
        List<String> args = c.getArgs();
        int i = args.indexOf(flag);
        assertThat(i).as(flag + " in " + args).isNotNegative();
        return args.get(i + 1);
    }

    private static <T> T find(ManifestOptions o, Class<T> type) {
        List<KubernetesResource> docs = ManifestGenerator.generate(o);
        return docs.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    /** The written YAML read back, to check what kubectl would see rather than the model objects. */
    private record JsonTree(List<JsonNode> docs) {
        JsonTree(String yaml) {
            this(Scenarios.parse(yaml));
        }

        JsonNode kind(String kind) {
            return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst().orElseThrow();
        }

        JsonNode deployment() {
            return kind("Deployment");
        }
    }
}
