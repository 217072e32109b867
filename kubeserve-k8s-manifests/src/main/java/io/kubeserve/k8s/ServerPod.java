package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of the server pod that the Deployment and the KServe predictor share: containers,
 * volumes, security context and scheduling. The production defaults live here, once.
 */
final class ServerPod {

    static final String SERVER_CONTAINER = "server";
    static final String PORT_NAME = "http";
    /** Port name of the gRPC adapter in the Deployment and Service. */
    static final String GRPC_PORT_NAME = "grpc";
    static final long USER_ID = 1000L;
    /** The server drains for up to 20 s after SIGTERM; 5 s preStop + 20 s drain still fits in 30 s. */
    static final long TERMINATION_GRACE_SECONDS = 30L;
    static final String GPU_RESOURCE = "nvidia.com/gpu";
    private static final String SERVER_JAR_COMMAND = "java -jar /app/kubeserve-server.jar";
    private static final String TMP_VOLUME = "tmp";
    private static final String MODEL_VOLUME = "model-store";

    private final ManifestOptions o;

    ServerPod(ManifestOptions options) {
        this.o = options;
    }

    /**
     * The server container.
     *
     * @param containerName   KServe requires {@code kserve-container}; the Deployment uses {@code server}
     * @param ports           the ports to declare, from {@link #httpPort(String)} and {@link #grpcPort(String)}
     *                        (Knative accepts one port, named {@code http1} or {@code h2c})
     * @param modelRepository directory the server loads models from
     * @param mountModel      whether to mount this pod's model volume at {@link ModelLocation#MOUNT_PATH}
     */
    Container server(String containerName, List<ContainerPort> ports, String modelRepository, boolean mountModel) {
        List<VolumeMount> mounts = new ArrayList<>(List.of(tmpMount()));
        if (mountModel) {
            mounts.add(modelMount(true));
        }
        return new ContainerBuilder()
                .withName(containerName)
                .withImage(o.image())
                .withImagePullPolicy("IfNotPresent")
                // --grpc-port 0 too: the server's own default would start gRPC on a port nothing exposes.
                .withArgs("--model-repository", modelRepository, "--port", Integer.toString(o.port()),
                        "--grpc-port", Integer.toString(o.grpcPort()))
                .withPorts(ports)
                .withEnvFrom(configEnv())
                // Heap from the container limit, leaving room for native engine memory (ONNX Runtime, PyTorch).
                .addNewEnv().withName("JAVA_TOOL_OPTIONS").withValue("-XX:MaxRAMPercentage=60").endEnv()
                .withResources(serverResources())
                // Loading a large model can take minutes; the startup probe holds back liveness until then.
                .withStartupProbe(probe("/v2/health/ready", 5, 2, 120))
                .withLivenessProbe(probe("/v2/health/live", 10, 2, 3))
                .withReadinessProbe(probe("/v2/health/ready", 5, 2, 2))
                // Lets endpoints and load balancers drop the pod before the server starts refusing work.
                .withNewLifecycle().withNewPreStop().withNewExec().withCommand("/bin/sh", "-c", "sleep 5")
                .endExec().endPreStop().endLifecycle()
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(mounts)
                .build();
    }

    /** The HTTP container port (REST, metrics, HTTP probes) under the given name. */
    ContainerPort httpPort(String name) {
        return new ContainerPortBuilder().withName(name).withContainerPort(o.port()).withProtocol("TCP").build();
    }

    /** The gRPC container port under the given name; only when {@link ManifestOptions#grpc()}. */
    ContainerPort grpcPort(String name) {
        if (!o.grpc()) {
            throw new IllegalStateException("gRPC is off (grpcPort 0)");
        }
        return new ContainerPortBuilder().withName(name).withContainerPort(o.grpcPort()).withProtocol("TCP").build();
    }

    /** The init container that fetches an s3:// model into the shared volume; empty otherwise. */
    Optional<Container> modelFetcher() {
        if (o.model().kind() != ModelLocation.Kind.S3) {
            return Optional.empty();
        }
        List<EnvFromSource> env = o.modelCredentialsSecret() == null ? List.of()
                : List.of(new EnvFromSourceBuilder().withNewSecretRef().withName(o.modelCredentialsSecret())
                        .endSecretRef().build());
        return Optional.of(new ContainerBuilder()
                .withName("fetch-model")
                .withImage(o.image())
                .withImagePullPolicy("IfNotPresent")
                .withCommand(SERVER_JAR_COMMAND.split(" "))
                .withArgs("fetch", "--uri", o.model().value(), "--dest", ModelLocation.MOUNT_PATH)
                .withEnvFrom(env)
                .withResources(fetcherResources())
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(tmpMount(), modelMount(false))
                .build());
    }

    /** {@code /tmp} always (the root filesystem is read-only), plus the model volume when one is used. */
    List<Volume> volumes(boolean withModelVolume) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
        if (withModelVolume && o.model().kind() == ModelLocation.Kind.S3) {
            volumes.add(new VolumeBuilder().withName(MODEL_VOLUME).withNewEmptyDir().endEmptyDir().build());
        } else if (withModelVolume && o.model().kind() == ModelLocation.Kind.PVC) {
            volumes.add(new VolumeBuilder().withName(MODEL_VOLUME).withNewPersistentVolumeClaim()
                    .withClaimName(o.model().claimName()).withReadOnly(true).endPersistentVolumeClaim().build());
        }
        return volumes;
    }

    PodSecurityContext podSecurity() {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true).withRunAsUser(USER_ID).withRunAsGroup(USER_ID).withFsGroup(USER_ID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /** Spreads replicas over nodes when possible, so one node failure does not take the model down. */
    Affinity antiAffinity() {
        return new AffinityBuilder().withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100)
                .withNewPodAffinityTerm().withTopologyKey("kubernetes.io/hostname")
                .withNewLabelSelector().withMatchLabels(Labels.selector(o)).endLabelSelector()
                .endPodAffinityTerm()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity().build();
    }

    /** GPU pods go to nodes that NVIDIA's feature discovery marked; null for CPU pods. */
    Map<String, String> nodeSelector() {
        return o.gpu() ? Map.of("nvidia.com/gpu.present", "true") : null;
    }

    /** GPU nodes are usually tainted so that CPU-only pods stay off them. */
    List<Toleration> tolerations() {
        return o.gpu()
                ? List.of(new TolerationBuilder().withKey(GPU_RESOURCE).withOperator("Exists")
                        .withEffect("NoSchedule").build())
                : List.of();
    }

    private List<EnvFromSource> configEnv() {
        return List.of(new EnvFromSourceBuilder().withNewConfigMapRef().withName(Manifests.configMapName(o))
                .endConfigMapRef().build());
    }

    private ResourceRequirements serverResources() {
        ResourceSettings r = o.resources();
        ResourceRequirementsBuilder b = new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(r.cpuRequest()))
                .addToRequests("memory", new Quantity(r.memoryRequest()))
                .addToLimits("cpu", new Quantity(r.cpuLimit()))
                .addToLimits("memory", new Quantity(r.memoryLimit()));
        if (o.gpu()) {
            // Extended resources cannot be overcommitted: the request defaults to the limit.
            b.addToLimits(GPU_RESOURCE, new Quantity(Integer.toString(o.gpus())));
        }
        return b.build();
    }

    /** Downloading is I/O bound; it needs the memory of the transfer buffers, not the server's CPU. */
    private ResourceRequirements fetcherResources() {
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("100m"))
                .addToRequests("memory", new Quantity("512Mi"))
                .addToLimits("cpu", new Quantity("1"))
                .addToLimits("memory", new Quantity("512Mi"))
                .build();
    }

    private SecurityContext containerSecurity() {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true).withRunAsUser(USER_ID).withRunAsGroup(USER_ID)
                .withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /**
     * An HTTP GET of {@code path} on the HTTP port, or with gRPC probes the standard health check of
     * the overall service on the gRPC port (which reports readiness, whatever the path says).
     */
    private Probe probe(String path, int periodSeconds, int timeoutSeconds, int failureThreshold) {
        ProbeBuilder b = new ProbeBuilder();
        if (o.probes() == ProbeKind.GRPC) {
            b.withNewGrpc().withPort(o.grpcPort()).endGrpc();
        } else {
            b.withNewHttpGet().withPath(path).withPort(new IntOrString(o.port())).endHttpGet();
        }
        return b
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(timeoutSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    private VolumeMount tmpMount() {
        return new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build();
    }

    private VolumeMount modelMount(boolean readOnly) {
        VolumeMountBuilder b = new VolumeMountBuilder().withName(MODEL_VOLUME)
                .withMountPath(ModelLocation.MOUNT_PATH).withReadOnly(readOnly ? Boolean.TRUE : null);
        if (o.model().kind() == ModelLocation.Kind.PVC && !o.model().subPath().isEmpty()) {
            b.withSubPath(o.model().subPath());
        }
        return b.build();
    }
}
