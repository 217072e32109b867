package io.kubeserve.k8s;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything the generator needs to know, validated once here so that every generated document is
 * consistent with every other. Build with {@link #builder(String, String)}; all else has a default.
 * Immutable (lists and maps are copies) and thread-safe.
 *
 * @param name                       names every object and labels the pods; a DNS-1035 label
 * @param namespace                  namespace of every namespaced object (default {@code default})
 * @param image                      the KubeServe server image, required
 * @param replicas                   Deployment replicas before the autoscaler takes over (default 2)
 * @param resources                  server container requests and limits
 * @param model                      where the model repository comes from
 * @param gpus                       {@code nvidia.com/gpu} per pod; above 0 schedules onto GPU nodes
 * @param port                       the server's HTTP port (default 8080)
 * @param grpcPort                   the server's gRPC port (default {@value #DEFAULT_GRPC_PORT}); 0 turns the
 *                                   gRPC server off and exposes no gRPC port
 * @param probes                     how the kubelet probes the server (default {@link ProbeKind#HTTP})
 * @param kserveProtocol             the InferenceService's {@code protocolVersion} (default
 *                                   {@link KServeProtocol#V2})
 * @param minReplicas                autoscaler floor (default 2)
 * @param maxReplicas                autoscaler ceiling (default 10)
 * @param requestsPerSecondPerPod    target inference requests per second per pod; empty: scale on
 *                                   CPU and memory only (KEDA then uses {@link #DEFAULT_KEDA_RPS})
 * @param allowedNamespaces          namespaces besides its own whose pods may call the server
 * @param ingressControllerNamespace namespace of the ingress controller, always allowed in
 * @param monitoringNamespace        namespace of Prometheus, allowed to scrape
 * @param prometheusAddress          Prometheus URL KEDA queries
 * @param kserve                     emit a KServe InferenceService instead of Deployment, Service and HPA
 * @param canaryPercent              KServe canaryTrafficPercent; empty for none
 * @param keda                       emit a KEDA ScaledObject instead of the HorizontalPodAutoscaler
 * @param ingress                    emit an Ingress
 * @param ingressHost                host the Ingress matches; null for any host
 * @param ingressClassName           IngressClass (default {@code nginx})
 * @param modelCredentialsSecret     Secret whose keys (e.g. AWS_ACCESS_KEY_ID) the model fetch gets as
 *                                   environment; null when the node's or pod's identity suffices
 * @param serverConfig               extra {@code KUBESERVE_*} entries for the server ConfigMap
 * @param tlsSecret                  a {@code kubernetes.io/tls} Secret ({@code tls.crt}, {@code tls.key}) the
 *                                   server serves HTTPS and gRPC over TLS with; null for plain text
 * @param authTokensSecret           a Secret whose key {@code tokens} holds the API bearer tokens, one a line;
 *                                   null for no API authentication
 * @param clusterRuntime             emit only a cluster-scoped KServe ClusterServingRuntime named {@code name}
 * @param runtimePriority            the KServe runtimes' {@code priority} for the formats they auto-select
 *                                   (default {@value #DEFAULT_RUNTIME_PRIORITY})
 */
public record ManifestOptions(
        String name, String namespace, String image, int replicas, ResourceSettings resources,
        ModelLocation model, int gpus, int port, int grpcPort, ProbeKind probes, KServeProtocol kserveProtocol,
        int minReplicas, int maxReplicas,
        OptionalInt requestsPerSecondPerPod, List<String> allowedNamespaces, String ingressControllerNamespace,
        String monitoringNamespace, String prometheusAddress, boolean kserve, OptionalInt canaryPercent,
        boolean keda, boolean ingress, String ingressHost, String ingressClassName,
        String modelCredentialsSecret, Map<String, String> serverConfig, String tlsSecret, String authTokensSecret,
        boolean clusterRuntime, int runtimePriority) {

    /** Requests per second per pod KEDA scales on when {@code requestsPerSecondPerPod} is empty. */
    public static final int DEFAULT_KEDA_RPS = 10;

    /** The gRPC port when none is set; the server's own default too. */
    public static final int DEFAULT_GRPC_PORT = 8081;

    /**
     * The KServe runtimes' priority for the formats they auto-select when none is set: above the 1 and 2
     * of KServe's bundled runtimes, so KubeServe is chosen where it is installed, and distinct from them,
     * since KServe refuses two runtimes auto-selecting one format and version at one priority.
     */
    public static final int DEFAULT_RUNTIME_PRIORITY = 5;

    /**
     * Validates every option against the others; null optionals, lists and maps read as empty.
     *
     * @param name                       names every object; a DNS-1035 label
     * @param namespace                  namespace of every namespaced object; a DNS-1123 label
     * @param image                      the server image, without whitespace
     * @param replicas                   Deployment replicas, 0 or more
     * @param resources                  container requests and limits, required
     * @param model                      the model repository's location, required
     * @param gpus                       GPUs per pod, 0 or more
     * @param port                       HTTP port, 1 to 65535
     * @param grpcPort                   gRPC port, 1 to 65535 and not {@code port}; 0 for no gRPC
     * @param probes                     {@link ProbeKind#GRPC} needs {@code grpcPort} above 0; null reads as
     *                                   {@link ProbeKind#HTTP}
     * @param kserveProtocol             {@link KServeProtocol#GRPC_V2} needs {@code kserve} and {@code grpcPort}
     *                                   above 0; null reads as {@link KServeProtocol#V2}
     * @param minReplicas                autoscaler floor, at least 1
     * @param maxReplicas                autoscaler ceiling, at least {@code minReplicas}
     * @param requestsPerSecondPerPod    autoscaling target, at least 1 when present
     * @param allowedNamespaces          DNS-1123 labels; sorted and deduplicated
     * @param ingressControllerNamespace a DNS-1123 label
     * @param monitoringNamespace        a DNS-1123 label
     * @param prometheusAddress          an {@code http://} or {@code https://} URL
     * @param kserve                     emit an InferenceService; not with {@code ingress}
     * @param canaryPercent              0 to 100, only with {@code kserve} and without {@code keda}
     * @param keda                       emit a ScaledObject
     * @param ingress                    emit an Ingress
     * @param ingressHost                a DNS-1123 subdomain, only with {@code ingress}; may be null
     * @param ingressClassName           a DNS-1123 subdomain
     * @param modelCredentialsSecret     a DNS-1123 subdomain, only for an {@code s3://} model without
     *                                   {@code kserve}; may be null
     * @param serverConfig               keys matching {@code KUBESERVE_[A-Z0-9_]+}, no null values;
     *                                   {@code KUBESERVE_AUTH_PROBES=protected} is refused (the kubelet's
     *                                   probes carry no token)
     * @param tlsSecret                  a DNS-1123 subdomain, not with {@code kserve} or {@code clusterRuntime}
     *                                   nor with gRPC probes; may be null
     * @param authTokensSecret           a DNS-1123 subdomain, not with {@code clusterRuntime}; may be null
     * @param clusterRuntime             not with {@code kserve}, {@code keda}, {@code ingress},
     *                                   {@code canaryPercent}, a model location, {@code modelCredentialsSecret}
     *                                   or gRPC probes
     * @param runtimePriority            at least 1
     * @throws IllegalArgumentException naming the option and the rule, for the first one broken
     */
    public ManifestOptions {
        Names.requireWorkloadName("name", name);
        Names.requireDns1123Label("namespace", namespace);
        Names.requireText("image", image);
        if (image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("image '" + image + "' must not contain whitespace");
        }
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be >= 0, got " + replicas);
        }
        if (resources == null) {
            throw new IllegalArgumentException("resources are required");
        }
        if (model == null) {
            throw new IllegalArgumentException("model location is required");
        }
        if (gpus < 0) {
            throw new IllegalArgumentException("gpus must be >= 0, got " + gpus);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
        probes = probes == null ? ProbeKind.HTTP : probes;
        kserveProtocol = kserveProtocol == null ? KServeProtocol.V2 : kserveProtocol;
        validateGrpc(port, grpcPort, probes, kserveProtocol, kserve);
        if (minReplicas < 1) {
            throw new IllegalArgumentException("minReplicas must be >= 1, got " + minReplicas);
        }
        if (minReplicas > maxReplicas) {
            throw new IllegalArgumentException("minReplicas " + minReplicas + " is greater than maxReplicas "
                    + maxReplicas);
        }
        requestsPerSecondPerPod = requestsPerSecondPerPod == null ? OptionalInt.empty() : requestsPerSecondPerPod;
        if (requestsPerSecondPerPod.isPresent() && requestsPerSecondPerPod.getAsInt() < 1) {
            throw new IllegalArgumentException("requestsPerSecondPerPod must be >= 1, got "
                    + requestsPerSecondPerPod.getAsInt());
        }
        allowedNamespaces = allowedNamespaces == null ? List.of() : List.copyOf(new TreeSet<>(allowedNamespaces));
        allowedNamespaces.forEach(ns -> Names.requireDns1123Label("allowed namespace", ns));
        Names.requireDns1123Label("ingressControllerNamespace", ingressControllerNamespace);
        Names.requireDns1123Label("monitoringNamespace", monitoringNamespace);
        Names.requireText("prometheusAddress", prometheusAddress);
        if (!prometheusAddress.matches("https?://\\S+")) {
            throw new IllegalArgumentException("prometheusAddress '" + prometheusAddress + "' must be an http(s) URL");
        }
        canaryPercent = canaryPercent == null ? OptionalInt.empty() : canaryPercent;
        validateCanary(canaryPercent, kserve, keda);
        if (ingress && kserve) {
            throw new IllegalArgumentException("ingress cannot be combined with kserve: KServe exposes the"
                    + " InferenceService through its own ingress or gateway");
        }
        if (ingressHost != null) {
            if (!ingress) {
                throw new IllegalArgumentException("ingressHost is set but ingress is off");
            }
            Names.requireDns1123Subdomain("ingressHost", ingressHost);
        }
        Names.requireDns1123Subdomain("ingressClassName", ingressClassName);
        if (modelCredentialsSecret != null) {
            Names.requireDns1123Subdomain("modelCredentialsSecret", modelCredentialsSecret);
            if (model.kind() != ModelLocation.Kind.S3 || kserve) {
                throw new IllegalArgumentException("modelCredentialsSecret only applies to an s3:// model location"
                        + " in a plain Deployment (KServe reads credentials from its service account)");
            }
        }
        serverConfig = serverConfig == null ? Map.of() : serverConfig;
        serverConfig.forEach(ManifestOptions::validateConfigEntry);
        serverConfig = Collections.unmodifiableMap(new TreeMap<>(serverConfig));
        if ("protected".equalsIgnoreCase(serverConfig.getOrDefault("KUBESERVE_AUTH_PROBES", "").strip())) {
            throw new IllegalArgumentException("KUBESERVE_AUTH_PROBES=protected would fail the kubelet's probes,"
                    + " which send no token: leave probes open");
        }
        validateSecrets(tlsSecret, authTokensSecret, probes, kserve, clusterRuntime);
        if (clusterRuntime) {
            validateClusterRuntime(kserve, keda, ingress, canaryPercent, model, modelCredentialsSecret, probes);
        }
        if (runtimePriority < 1) {
            throw new IllegalArgumentException("runtimePriority must be >= 1, got " + runtimePriority);
        }
    }

    /**
     * Starts options for the workload {@code name} running {@code image}; all else defaults.
     *
     * @param name  the workload name, a DNS-1035 label (checked at {@code build()})
     * @param image the server image reference, e.g. {@code kubeserve/server:0.1.0}
     * @return a new builder
     */
    public static ManifestOptionsBuilder builder(String name, String image) {
        return new ManifestOptionsBuilder(name, image);
    }

    /**
     * Starts a builder holding these options, to derive a variant.
     *
     * @return a new builder; changing it leaves these options as they are
     */
    public ManifestOptionsBuilder toBuilder() {
        return new ManifestOptionsBuilder(this);
    }

    /**
     * Whether the server runs its gRPC adapter, and the manifests expose it.
     *
     * @return true when {@code grpcPort} is above 0
     */
    public boolean grpc() {
        return grpcPort > 0;
    }

    /**
     * Whether the pods ask for GPUs.
     *
     * @return true when {@code gpus} is above 0 (the pods then tolerate and select GPU nodes)
     */
    public boolean gpu() {
        return gpus > 0;
    }

    /**
     * Whether the server serves HTTPS (and gRPC over TLS) with the certificate in {@code tlsSecret}.
     *
     * @return true when {@code tlsSecret} is set
     */
    public boolean tls() {
        return tlsSecret != null;
    }

    private static void validateSecrets(String tlsSecret, String authTokensSecret, ProbeKind probes, boolean kserve,
                                        boolean clusterRuntime) {
        if (tlsSecret != null) {
            Names.requireDns1123Subdomain("tlsSecret", tlsSecret);
            if (kserve || clusterRuntime) {
                throw new IllegalArgumentException("tlsSecret cannot be combined with kserve or clusterRuntime:"
                        + " KServe's ingress terminates TLS and speaks plain HTTP to the container");
            }
            if (probes == ProbeKind.GRPC) {
                throw new IllegalArgumentException("tlsSecret cannot be combined with probes=grpc: the kubelet's"
                        + " gRPC probes cannot use TLS; use probes=http (HTTPS with TLS on)");
            }
        }
        if (authTokensSecret != null) {
            Names.requireDns1123Subdomain("authTokensSecret", authTokensSecret);
            if (clusterRuntime) {
                throw new IllegalArgumentException("authTokensSecret cannot be combined with clusterRuntime: a"
                        + " ClusterServingRuntime serves every namespace, where that Secret may not exist;"
                        + " use a namespaced ServingRuntime (kserve)");
            }
        }
    }

    private static void validateClusterRuntime(boolean kserve, boolean keda, boolean ingress,
                                               OptionalInt canaryPercent, ModelLocation model,
                                               String modelCredentialsSecret, ProbeKind probes) {
        String conflict = kserve ? "kserve" : keda ? "keda" : ingress ? "ingress"
                : canaryPercent.isPresent() ? "canaryPercent"
                : !model.equals(ModelLocation.DEFAULT) ? "a model location"
                : modelCredentialsSecret != null ? "modelCredentialsSecret" : null;
        if (conflict != null) {
            throw new IllegalArgumentException("clusterRuntime cannot be combined with " + conflict + ": it emits"
                    + " only the ClusterServingRuntime, and each InferenceService brings its own model (storageUri)");
        }
        if (probes == ProbeKind.GRPC) {
            throw new IllegalArgumentException("gRPC probes cannot be combined with clusterRuntime: the runtime"
                    + " declares the HTTP port only (Knative serves one), and Knative wants the probes on it");
        }
    }

    private static void validateGrpc(int port, int grpcPort, ProbeKind probes, KServeProtocol protocol,
                                     boolean kserve) {
        if (grpcPort < 0 || grpcPort > 65535) {
            throw new IllegalArgumentException("grpcPort must be between 1 and 65535, or 0 for no gRPC, got "
                    + grpcPort);
        }
        if (grpcPort == port) {
            throw new IllegalArgumentException("grpcPort " + grpcPort + " is the HTTP port too: the HTTP and gRPC"
                    + " servers each need a port of their own");
        }
        if (probes == ProbeKind.GRPC && grpcPort == 0) {
            throw new IllegalArgumentException("probes=grpc needs the gRPC server, but grpcPort is 0 (off):"
                    + " set a gRPC port or use probes=http");
        }
        if (protocol == KServeProtocol.GRPC_V2) {
            if (!kserve) {
                throw new IllegalArgumentException("kserveProtocol grpc-v2 needs kserve: it is the"
                        + " InferenceService's protocolVersion (a plain Deployment exposes gRPC whenever grpcPort > 0)");
            }
            if (grpcPort == 0) {
                throw new IllegalArgumentException("kserveProtocol grpc-v2 needs the gRPC server, but grpcPort is 0"
                        + " (off): set a gRPC port or use kserveProtocol v2");
            }
        }
    }

    private static void validateCanary(OptionalInt canaryPercent, boolean kserve, boolean keda) {
        if (canaryPercent.isEmpty()) {
            return;
        }
        int percent = canaryPercent.getAsInt();
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("canaryPercent must be between 0 and 100, got " + percent);
        }
        if (!kserve) {
            throw new IllegalArgumentException("canaryPercent needs kserve: a plain Deployment has no traffic split");
        }
        if (keda) {
            throw new IllegalArgumentException("canaryPercent cannot be combined with keda: KServe canaries need"
                    + " Serverless mode, while KEDA drives the RawDeployment mode");
        }
    }

    private static void validateConfigEntry(String key, String value) {
        if (key == null || !key.matches("KUBESERVE_[A-Z0-9_]+")) {
            throw new IllegalArgumentException("server config key '" + key + "' must match KUBESERVE_[A-Z0-9_]+");
        }
        if (value == null) {
            throw new IllegalArgumentException("server config key '" + key + "' has no value");
        }
    }
}
