package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
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
 * The parts of the server pod that the Deployment and the KServe runtimes share: containers,
 * volumes, security context and scheduling. The production defaults live here, once.
 *
 * <p>They follow the server image: it runs as UID/GID {@value #USER_ID} on a read-only root filesystem,
 * its ENTRYPOINT starts the server (arguments are server flags; {@code fetch ...} runs the fetch
 * command instead), it sets the JVM's heap from the container's memory limit and its GC itself, and
 * it writes only small temporary files to {@code /tmp} (the natives are baked into the image).
 */
final class ServerPod {

    static final String SERVER_CONTAINER = "server";
    static final String PORT_NAME = "http";
    /** Port name of the gRPC adapter in the Deployment and Service. */
    static final String GRPC_PORT_NAME = "grpc";
    /**
     * The gRPC health service the liveness probe asks for. The server keeps it {@code SERVING} while the
     * process runs, models ready or not, so an unready pod is not restarted; startup and readiness ask
     * for the overall service, which follows readiness.
     */
    static final String GRPC_LIVENESS_SERVICE = "liveness";
    /** The image's user and group; also the pod's fsGroup, so mounted Secrets are readable by the group. */
    static final long USER_ID = 10001L;
    /** The server drains for up to 20 s after SIGTERM; 5 s preStop + 20 s drain still fits in 30 s. */
    static final long TERMINATION_GRACE_SECONDS = 30L;
    static final String GPU_RESOURCE = "nvidia.com/gpu";
    /**
     * The {@code /tmp} emptyDir's cap. The server keeps only small temporary files there (natives are
     * baked into the image), so a runaway writer gets the pod evicted instead of filling the node's disk.
     * On disk, not {@code medium: Memory}: a tmpfs would count against the container's memory limit,
     * from which the image sizes the heap, and leave less for the native engines.
     */
    static final String TMP_SIZE_LIMIT = "64Mi";
    /** Where the TLS Secret's {@code tls.crt} and {@code tls.key} appear. */
    static final String TLS_DIR = "/etc/kubeserve/tls";
    /** Where the API token Secret's {@value #AUTH_TOKENS_KEY} appears. */
    static final String AUTH_DIR = "/etc/kubeserve/auth";
    /** The key of the API token Secret that holds the tokens, one a line. */
    static final String AUTH_TOKENS_KEY = "tokens";
    /** Owner and group may read (0440): the pod's fsGroup makes the server's group own the files. */
    static final int SECRET_MODE_GROUP = 0440;
    /**
     * Anyone in the container may read (0444): for KServe runtimes, whose pods may come from
     * InferenceServices that set no fsGroup. The container runs one user anyway.
     */
    static final int SECRET_MODE_ANY = 0444;
    private static final String TMP_VOLUME = "tmp";
    private static final String MODEL_VOLUME = "model-store";
    private static final String TLS_VOLUME = "tls";
    private static final String AUTH_VOLUME = "auth-tokens";

    private final ManifestOptions o;

    ServerPod(ManifestOptions options) {
        this.o = options;
    }

    /**
     * The server container of the Deployment or a namespaced ServingRuntime: its settings come from
     * the ConfigMap through {@code envFrom}.
     *
     * @param containerName   KServe requires {@code kserve-container}; the Deployment uses {@code server}
     * @param ports           the ports to declare, from {@link #httpPort(String)} and {@link #grpcPort(String)}
     *                        (Knative accepts one port, named {@code http1} or {@code h2c})
     * @param modelRepository directory the server loads models from
     * @param modelName       {@code --model-name}, e.g. KServe's {@code {{.Name}}}; null to leave it to the
     *                        ConfigMap
     * @param mountModel      whether to mount this pod's model volume at {@link ModelLocation#MOUNT_PATH}
     */
    Container server(String containerName, List<ContainerPort> ports, String modelRepository, String modelName,
                     boolean mountModel) {
        return serverBuilder(containerName, ports, modelRepository, modelName, mountModel)
                .withEnvFrom(configEnv())
                .build();
    }

    /**
     * The server container of a ClusterServingRuntime: no ConfigMap (there is no namespace to hold one),
     * so the settings are inline environment variables.
     *
     * @param ports     as for {@link #server}
     * @param modelName {@code --model-name}, KServe's {@code {{.Name}}}
     */
    Container clusterRuntimeServer(List<ContainerPort> ports, String modelName) {
        List<EnvVar> env = new ArrayList<>();
        Manifests.runtimeConfig(o).forEach((k, v) -> env.add(new EnvVarBuilder().withName(k).withValue(v).build()));
        return serverBuilder(CustomResourceManifests.KSERVE_CONTAINER, ports, Manifests.KSERVE_MODEL_PATH, modelName,
                false)
                .withEnv(env)
                .build();
    }

    /**
     * Probe timing follows the start-up measured for the image: with its class-data sharing
     * archive, on one core, the first prediction 0.49-0.82 s after the container's process starts
     * on a quiet machine and about 1.4 s on a busy one (about 0.75-2.3 s after {@code docker run};
     * without the archive the server's own start to ready takes 1.6-2.5 times as long;
     * docs/BENCHMARKS.md). The startup probe polls every second, so the pod is counted as started
     * within a second of being ready, and allows 300 failures (5 minutes) for large models (a fetch
     * from S3 happens before, in the init container). Readiness then runs every 2 s, since the pod
     * is only Ready after its first readiness success; liveness every 10 s, failing after 30 s of
     * silence, so a long GC pause under load does not restart a busy server.
     */
    private ContainerBuilder serverBuilder(String containerName, List<ContainerPort> ports, String modelRepository,
                                           String modelName, boolean mountModel) {
        List<VolumeMount> mounts = new ArrayList<>(List.of(tmpMount()));
        if (mountModel) {
            mounts.add(modelMount(true));
        }
        List<String> args = new ArrayList<>(List.of("--model-repository", modelRepository));
        if (modelName != null) {
            args.addAll(List.of("--model-name", modelName));
        }
        // --grpc-port 0 too: the server's own default would start gRPC on a port nothing exposes.
        args.addAll(List.of("--port", Integer.toString(o.port()), "--grpc-port", Integer.toString(o.grpcPort())));
        if (o.tls()) {
            args.addAll(List.of("--tls-cert", TLS_DIR + "/tls.crt", "--tls-key", TLS_DIR + "/tls.key"));
            mounts.add(new VolumeMountBuilder().withName(TLS_VOLUME).withMountPath(TLS_DIR).withReadOnly(true).build());
        }
        if (o.authTokensSecret() != null) {
            // A file, not KUBESERVE_AUTH_TOKENS from a secretKeyRef: environment shows up in more places.
            args.addAll(List.of("--auth-tokens-file", AUTH_DIR + "/" + AUTH_TOKENS_KEY));
            mounts.add(new VolumeMountBuilder().withName(AUTH_VOLUME).withMountPath(AUTH_DIR).withReadOnly(true)
                    .build());
        }
        // No JAVA_TOOL_OPTIONS: the image sets heap-from-limit and GC itself, and the variable would replace them.
        return new ContainerBuilder()
                .withName(containerName)
                .withImage(o.image())
                .withImagePullPolicy("IfNotPresent")
                .withArgs(args)
                .withPorts(ports)
                .withResources(serverResources())
                .withStartupProbe(probe("/v2/health/ready", null, 1, 1, 300))
                .withLivenessProbe(probe("/v2/health/live", GRPC_LIVENESS_SERVICE, 10, 2, 3))
                .withReadinessProbe(probe("/v2/health/ready", null, 2, 2, 3))
                // Lets endpoints and load balancers drop the pod before the server starts refusing work.
                .withNewLifecycle().withNewPreStop().withNewExec().withCommand("/bin/sh", "-c", "sleep 5")
                .endExec().endPreStop().endLifecycle()
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(mounts);
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
                // The image's ENTRYPOINT, with its JVM settings: the fetch command instead of serve.
                .withArgs("fetch", "--uri", o.model().value(), "--dest", ModelLocation.MOUNT_PATH)
                .withEnvFrom(env)
                .withResources(fetcherResources())
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(tmpMount(), modelMount(false))
                .build());
    }

    /**
     * {@code /tmp} always (the root filesystem is read-only), the model volume when one is used, and the
     * TLS and API token Secrets when given.
     *
     * @param withModelVolume whether this pod mounts the model itself (KServe mounts its own)
     * @param secretMode      file mode of the Secrets' files: {@link #SECRET_MODE_GROUP} where the pod sets
     *                        fsGroup, else {@link #SECRET_MODE_ANY}
     */
    List<Volume> volumes(boolean withModelVolume, int secretMode) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir()
                .withSizeLimit(new Quantity(TMP_SIZE_LIMIT)).endEmptyDir().build());
        if (withModelVolume && o.model().kind() == ModelLocation.Kind.S3) {
            volumes.add(new VolumeBuilder().withName(MODEL_VOLUME).withNewEmptyDir().endEmptyDir().build());
        } else if (withModelVolume && o.model().kind() == ModelLocation.Kind.PVC) {
            volumes.add(new VolumeBuilder().withName(MODEL_VOLUME).withNewPersistentVolumeClaim()
                    .withClaimName(o.model().claimName()).withReadOnly(true).endPersistentVolumeClaim().build());
        }
        if (o.tls()) {
            // A kubernetes.io/tls Secret (cert-manager's too): tls.crt and tls.key.
            volumes.add(new VolumeBuilder().withName(TLS_VOLUME).withNewSecret().withSecretName(o.tlsSecret())
                    .withDefaultMode(secretMode).endSecret().build());
        }
        if (o.authTokensSecret() != null) {
            volumes.add(new VolumeBuilder().withName(AUTH_VOLUME).withNewSecret()
                    .withSecretName(o.authTokensSecret()).withDefaultMode(secretMode)
                    .addNewItem().withKey(AUTH_TOKENS_KEY).withPath(AUTH_TOKENS_KEY).endItem().endSecret().build());
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
     * An HTTP GET of {@code path} on the HTTP port (HTTPS with TLS on; the kubelet does not verify the
     * certificate), or with gRPC probes the standard health check ({@code grpc.health.v1.Health/Check})
     * on the gRPC port for {@code grpcService}: null asks for the overall service, which reports
     * readiness.
     */
    private Probe probe(String path, String grpcService, int periodSeconds, int timeoutSeconds,
            int failureThreshold) {
        ProbeBuilder b = new ProbeBuilder();
        if (o.probes() == ProbeKind.GRPC) {
            b.withNewGrpc().withPort(o.grpcPort()).withService(grpcService).endGrpc();
        } else {
            b.withNewHttpGet().withPath(path).withPort(new IntOrString(o.port()))
                    .withScheme(o.tls() ? "HTTPS" : null).endHttpGet();
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
