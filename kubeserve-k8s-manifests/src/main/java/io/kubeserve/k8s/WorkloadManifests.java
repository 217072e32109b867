package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The built-in kinds that run and scale the server: ConfigMap, Deployment, Service, HPA and PDB. */
final class WorkloadManifests {

    /** The Pods metric the HPA reads; prometheus-adapter must expose it (see the module README). */
    static final String RPS_METRIC = "inference_requests_per_second";
    static final int SERVICE_PORT = 80;
    /** Kubernetes' standard application protocol for HTTP/2 over cleartext, which gRPC without TLS is. */
    static final String H2C_APP_PROTOCOL = "kubernetes.io/h2c";

    private WorkloadManifests() {
    }

    static ConfigMap configMap(ManifestOptions o) {
        return new ConfigMapBuilder()
                .withMetadata(Manifests.metadata(o, Manifests.configMapName(o)))
                .withData(Manifests.serverConfig(o))
                .build();
    }

    static Deployment deployment(ManifestOptions o) {
        ServerPod pod = new ServerPod(o);
        String configHash = Manifests.configHash(Manifests.serverConfig(o));
        PodSpec spec = new PodSpecBuilder()
                // The server never calls the Kubernetes API, so it gets no token to leak.
                .withAutomountServiceAccountToken(false)
                .withSecurityContext(pod.podSecurity())
                .withTerminationGracePeriodSeconds(ServerPod.TERMINATION_GRACE_SECONDS)
                .withAffinity(pod.antiAffinity())
                .withNodeSelector(pod.nodeSelector())
                .withTolerations(pod.tolerations())
                .withInitContainers(pod.modelFetcher().stream().toList())
                .withContainers(pod.server(ServerPod.SERVER_CONTAINER, containerPorts(pod, o),
                        Manifests.modelRepository(o), null, o.model().needsVolume()))
                .withVolumes(pod.volumes(true, ServerPod.SECRET_MODE_GROUP))
                .build();
        return new DeploymentBuilder()
                .withMetadata(Manifests.metadata(o, o.name()))
                .withNewSpec()
                .withReplicas(o.replicas())
                .withRevisionHistoryLimit(5)
                .withNewSelector().withMatchLabels(Labels.selector(o)).endSelector()
                // Never below the wanted capacity during a rollout: add one new pod, then retire an old one.
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1))
                .endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Labels.common(o))
                .withAnnotations(Map.of("kubeserve.io/config-sha256", configHash,
                        "kubectl.kubernetes.io/default-container", ServerPod.SERVER_CONTAINER))
                .endMetadata()
                .withSpec(spec)
                .endTemplate()
                .endSpec()
                .build();
    }

    /**
     * Port 80 {@code http} to the container's {@code http}, and with gRPC on, {@code grpc} on the same
     * number as the container's gRPC port. The gRPC port's {@code appProtocol} is Kubernetes' standard
     * {@code kubernetes.io/h2c} (HTTP/2 without TLS), which Gateway API implementations, KServe and
     * meshes that read {@code appProtocol} take as HTTP/2; the port name {@code grpc} tells meshes that
     * go by name.
     */
    static Service service(ManifestOptions o) {
        List<ServicePort> ports = new ArrayList<>();
        ports.add(new ServicePortBuilder().withName(ServerPod.PORT_NAME).withPort(SERVICE_PORT)
                .withTargetPort(new IntOrString(ServerPod.PORT_NAME)).withProtocol("TCP").build());
        if (o.grpc()) {
            // With TLS on, gRPC is HTTP/2 over TLS, which no standard appProtocol names: none rather than a wrong one.
            ports.add(new ServicePortBuilder().withName(ServerPod.GRPC_PORT_NAME).withPort(o.grpcPort())
                    .withTargetPort(new IntOrString(ServerPod.GRPC_PORT_NAME)).withProtocol("TCP")
                    .withAppProtocol(o.tls() ? null : H2C_APP_PROTOCOL).build());
        }
        return new ServiceBuilder()
                .withMetadata(Manifests.metadata(o, o.name()))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(Labels.selector(o))
                .withPorts(ports)
                .endSpec()
                .build();
    }

    /** The Deployment's container ports: {@code http}, and {@code grpc} when on. */
    private static List<ContainerPort> containerPorts(ServerPod pod, ManifestOptions o) {
        return o.grpc() ? List.of(pod.httpPort(ServerPod.PORT_NAME), pod.grpcPort(ServerPod.GRPC_PORT_NAME))
                : List.of(pod.httpPort(ServerPod.PORT_NAME));
    }

    static HorizontalPodAutoscaler horizontalPodAutoscaler(ManifestOptions o) {
        List<MetricSpec> metrics = new ArrayList<>();
        metrics.add(utilization("cpu", 70));
        metrics.add(utilization("memory", 80));
        o.requestsPerSecondPerPod().ifPresent(rps -> metrics.add(new MetricSpecBuilder().withType("Pods")
                .withNewPods().withNewMetric().withName(RPS_METRIC).endMetric()
                .withNewTarget().withType("AverageValue").withAverageValue(new Quantity(Integer.toString(rps)))
                .endTarget().endPods().build()));
        return new HorizontalPodAutoscalerBuilder()
                .withMetadata(Manifests.metadata(o, o.name()))
                .withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(o.name())
                .endScaleTargetRef()
                .withMinReplicas(o.minReplicas())
                .withMaxReplicas(o.maxReplicas())
                .withMetrics(metrics)
                // Model servers are slow to start; scaling down late avoids paying model load twice.
                .withNewBehavior().withNewScaleDown().withStabilizationWindowSeconds(300).endScaleDown()
                .endBehavior()
                .endSpec()
                .build();
    }

    /** One pod at a time may be evicted, so node drains proceed even at one replica. */
    static PodDisruptionBudget podDisruptionBudget(ManifestOptions o) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(Manifests.metadata(o, o.name()))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(Labels.selector(o)).endSelector()
                .endSpec()
                .build();
    }

    private static MetricSpec utilization(String resource, int percent) {
        return new MetricSpecBuilder().withType("Resource")
                .withNewResource().withName(resource)
                .withNewTarget().withType("Utilization").withAverageUtilization(percent).endTarget()
                .endResource().build();
    }
}
