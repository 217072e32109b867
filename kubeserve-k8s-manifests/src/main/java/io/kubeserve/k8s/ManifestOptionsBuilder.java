package io.kubeserve.k8s;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Collects {@link ManifestOptions} field by field. Nothing is checked until {@link #build()}, so
 * fields may be set in any order and the error names the first rule broken. Each setter replaces
 * the field's value and returns this builder. Not thread-safe: fill it on one thread.
 */
public final class ManifestOptionsBuilder {

    private String name;
    private String image;
    private String namespace = "default";
    private int replicas = 2;
    private ResourceSettings resources = ResourceSettings.DEFAULT;
    private ModelLocation model = ModelLocation.DEFAULT;
    private int gpus;
    private int port = 8080;
    private int grpcPort = ManifestOptions.DEFAULT_GRPC_PORT;
    private ProbeKind probes = ProbeKind.HTTP;
    private KServeProtocol kserveProtocol = KServeProtocol.V2;
    private int minReplicas = 2;
    private int maxReplicas = 10;
    private OptionalInt requestsPerSecondPerPod = OptionalInt.empty();
    private final List<String> allowedNamespaces = new ArrayList<>();
    private String ingressControllerNamespace = "ingress-nginx";
    private String monitoringNamespace = "monitoring";
    private String prometheusAddress = "http://prometheus-operated.monitoring.svc:9090";
    private boolean kserve;
    private OptionalInt canaryPercent = OptionalInt.empty();
    private boolean keda;
    private boolean ingress;
    private String ingressHost;
    private String ingressClassName = "nginx";
    private String modelCredentialsSecret;
    private final Map<String, String> serverConfig = new LinkedHashMap<>();
    private String tlsSecret;
    private String authTokensSecret;
    private boolean clusterRuntime;
    private int runtimePriority = ManifestOptions.DEFAULT_RUNTIME_PRIORITY;

    ManifestOptionsBuilder(String name, String image) {
        this.name = name;
        this.image = image;
    }

    ManifestOptionsBuilder(ManifestOptions o) {
        this(o.name(), o.image());
        namespace = o.namespace();
        replicas = o.replicas();
        resources = o.resources();
        model = o.model();
        gpus = o.gpus();
        port = o.port();
        grpcPort = o.grpcPort();
        probes = o.probes();
        kserveProtocol = o.kserveProtocol();
        minReplicas = o.minReplicas();
        maxReplicas = o.maxReplicas();
        requestsPerSecondPerPod = o.requestsPerSecondPerPod();
        allowedNamespaces.addAll(o.allowedNamespaces());
        ingressControllerNamespace = o.ingressControllerNamespace();
        monitoringNamespace = o.monitoringNamespace();
        prometheusAddress = o.prometheusAddress();
        kserve = o.kserve();
        canaryPercent = o.canaryPercent();
        keda = o.keda();
        ingress = o.ingress();
        ingressHost = o.ingressHost();
        ingressClassName = o.ingressClassName();
        modelCredentialsSecret = o.modelCredentialsSecret();
        serverConfig.putAll(o.serverConfig());
        tlsSecret = o.tlsSecret();
        authTokensSecret = o.authTokensSecret();
        clusterRuntime = o.clusterRuntime();
        runtimePriority = o.runtimePriority();
    }

    /**
     * The workload name: every object's name and the pods' {@code app} label.
     *
     * @param value a DNS-1035 label (lower-case letters, digits, {@code -}; starts with a letter)
     * @return this builder
     */
    public ManifestOptionsBuilder name(String value) {
        name = value;
        return this;
    }

    /**
     * The KubeServe server image the pods run.
     *
     * @param value an image reference without whitespace
     * @return this builder
     */
    public ManifestOptionsBuilder image(String value) {
        image = value;
        return this;
    }

    /**
     * The namespace of every namespaced object.
     *
     * @param value a DNS-1123 label; default {@code default}
     * @return this builder
     */
    public ManifestOptionsBuilder namespace(String value) {
        namespace = value;
        return this;
    }

    /**
     * Deployment replicas before the autoscaler takes over.
     *
     * @param value 0 or more; default 2
     * @return this builder
     */
    public ManifestOptionsBuilder replicas(int value) {
        replicas = value;
        return this;
    }

    /**
     * The server container's CPU and memory requests and limits.
     *
     * @param value required; default {@link ResourceSettings#DEFAULT}
     * @return this builder
     */
    public ManifestOptionsBuilder resources(ResourceSettings value) {
        resources = value;
        return this;
    }

    /**
     * Where the model repository comes from.
     *
     * @param value required; default {@link ModelLocation#DEFAULT}
     * @return this builder
     */
    public ManifestOptionsBuilder model(ModelLocation value) {
        model = value;
        return this;
    }

    /**
     * Same as {@link #model(ModelLocation)} with {@link ModelLocation#parse(String)}.
     *
     * @param location {@code s3://bucket/prefix}, {@code pvc://claim[/path]} or an absolute path in
     *                 the image
     * @return this builder
     * @throws IllegalArgumentException when the location cannot be parsed (unlike the other setters,
     *         at once)
     */
    public ManifestOptionsBuilder model(String location) {
        return model(ModelLocation.parse(location));
    }

    /**
     * {@code nvidia.com/gpu} per pod; above 0 the pods select and tolerate GPU nodes.
     *
     * @param value 0 or more; default 0
     * @return this builder
     */
    public ManifestOptionsBuilder gpus(int value) {
        gpus = value;
        return this;
    }

    /**
     * The server's HTTP port, in the container and the Service.
     *
     * @param value 1 to 65535; default 8080
     * @return this builder
     */
    public ManifestOptionsBuilder port(int value) {
        port = value;
        return this;
    }

    /**
     * The server's gRPC port (Open Inference Protocol over gRPC, and {@code grpc.health.v1.Health}): a
     * container port and a Service port named {@code grpc} ({@code h2c} in KServe), let in by the
     * NetworkPolicy, and passed to the server as {@code --grpc-port}.
     *
     * @param value 1 to 65535 and not the HTTP port; 0 turns gRPC off (the server is then started with
     *              {@code --grpc-port 0}); default {@value ManifestOptions#DEFAULT_GRPC_PORT}
     * @return this builder
     */
    public ManifestOptionsBuilder grpcPort(int value) {
        grpcPort = value;
        return this;
    }

    /**
     * How the kubelet probes the server: startup, liveness and readiness alike.
     *
     * @param value {@link ProbeKind#HTTP} (default) or {@link ProbeKind#GRPC}, which needs a gRPC port
     *              above 0; null restores the default
     * @return this builder
     */
    public ManifestOptionsBuilder probes(ProbeKind value) {
        probes = value;
        return this;
    }

    /**
     * Same as {@link #probes(ProbeKind)} with {@link ProbeKind#parse(String)}.
     *
     * @param kind {@code http} or {@code grpc}, any case
     * @return this builder
     * @throws IllegalArgumentException for any other text (unlike most setters, at once)
     */
    public ManifestOptionsBuilder probes(String kind) {
        return probes(ProbeKind.parse(kind));
    }

    /**
     * The protocol the KServe InferenceService declares as its {@code protocolVersion}.
     *
     * @param value {@link KServeProtocol#V2} (default) or {@link KServeProtocol#GRPC_V2}, which needs
     *              {@code kserve} and a gRPC port above 0; null restores the default
     * @return this builder
     */
    public ManifestOptionsBuilder kserveProtocol(KServeProtocol value) {
        kserveProtocol = value;
        return this;
    }

    /**
     * Same as {@link #kserveProtocol(KServeProtocol)} with {@link KServeProtocol#parse(String)}.
     *
     * @param protocol {@code v2} or {@code grpc-v2}, any case
     * @return this builder
     * @throws IllegalArgumentException for any other text (unlike most setters, at once)
     */
    public ManifestOptionsBuilder kserveProtocol(String protocol) {
        return kserveProtocol(KServeProtocol.parse(protocol));
    }

    /**
     * The autoscaler's floor and ceiling in one call.
     *
     * @param min at least 1
     * @param max at least {@code min}
     * @return this builder
     */
    public ManifestOptionsBuilder autoscaling(int min, int max) {
        minReplicas = min;
        maxReplicas = max;
        return this;
    }

    /**
     * The autoscaler's floor.
     *
     * @param value at least 1 and at most {@code maxReplicas}; default 2
     * @return this builder
     */
    public ManifestOptionsBuilder minReplicas(int value) {
        minReplicas = value;
        return this;
    }

    /**
     * The autoscaler's ceiling.
     *
     * @param value at least {@code minReplicas}; default 10
     * @return this builder
     */
    public ManifestOptionsBuilder maxReplicas(int value) {
        maxReplicas = value;
        return this;
    }

    /**
     * Also scale on inference requests per second per pod (from Prometheus), besides CPU and memory.
     *
     * @param value the target rate per pod, at least 1; default unset
     * @return this builder
     */
    public ManifestOptionsBuilder requestsPerSecondPerPod(int value) {
        requestsPerSecondPerPod = OptionalInt.of(value);
        return this;
    }

    /**
     * Adds a namespace, besides the workload's own, whose pods the NetworkPolicy lets call the server; may be called several times.
     *
     * @param value a DNS-1123 label
     * @return this builder
     */
    public ManifestOptionsBuilder allowNamespace(String value) {
        allowedNamespaces.add(value);
        return this;
    }

    /**
     * The ingress controller's namespace, always let in by the NetworkPolicy.
     *
     * @param value a DNS-1123 label; default {@code ingress-nginx}
     * @return this builder
     */
    public ManifestOptionsBuilder ingressControllerNamespace(String value) {
        ingressControllerNamespace = value;
        return this;
    }

    /**
     * Prometheus's namespace, let in by the NetworkPolicy to scrape {@code /metrics}.
     *
     * @param value a DNS-1123 label; default {@code monitoring}
     * @return this builder
     */
    public ManifestOptionsBuilder monitoringNamespace(String value) {
        monitoringNamespace = value;
        return this;
    }

    /**
     * The Prometheus URL a KEDA ScaledObject queries.
     *
     * @param value an {@code http://} or {@code https://} URL; default the in-cluster Prometheus Operator service in {@code monitoring}
     * @return this builder
     */
    public ManifestOptionsBuilder prometheusAddress(String value) {
        prometheusAddress = value;
        return this;
    }

    /**
     * Emit a KServe InferenceService instead of the Deployment, Service, HPA and ServiceMonitor.
     *
     * @param value true for KServe; default false
     * @return this builder
     */
    public ManifestOptionsBuilder kserve(boolean value) {
        kserve = value;
        return this;
    }

    /**
     * KServe's {@code canaryTrafficPercent}: the share of traffic the newest revision gets.
     *
     * @param value 0 to 100; needs {@code kserve} and no {@code keda}
     * @return this builder
     */
    public ManifestOptionsBuilder canaryPercent(int value) {
        canaryPercent = OptionalInt.of(value);
        return this;
    }

    /**
     * Emit a KEDA ScaledObject instead of the HorizontalPodAutoscaler.
     *
     * @param value true for KEDA; default false
     * @return this builder
     */
    public ManifestOptionsBuilder keda(boolean value) {
        keda = value;
        return this;
    }

    /**
     * Emit an Ingress for the Service.
     *
     * @param value true for an Ingress; default false; not with {@code kserve}
     * @return this builder
     */
    public ManifestOptionsBuilder ingress(boolean value) {
        ingress = value;
        return this;
    }

    /**
     * Turns the Ingress on, matching {@code host}.
     *
     * @param host a DNS-1123 subdomain, e.g. {@code models.example.com}; null for any host
     * @return this builder
     */
    public ManifestOptionsBuilder ingressHost(String host) {
        ingress = true;
        ingressHost = host;
        return this;
    }

    /**
     * The Ingress's IngressClass.
     *
     * @param value a DNS-1123 subdomain; default {@code nginx}
     * @return this builder
     */
    public ManifestOptionsBuilder ingressClassName(String value) {
        ingressClassName = value;
        return this;
    }

    /**
     * A Secret whose keys (e.g. {@code AWS_ACCESS_KEY_ID}) the model fetch gets as environment variables.
     *
     * @param value a DNS-1123 subdomain, for an {@code s3://} model without {@code kserve}; null (the default) when the pod's identity suffices
     * @return this builder
     */
    public ManifestOptionsBuilder modelCredentialsSecret(String value) {
        modelCredentialsSecret = value;
        return this;
    }

    /**
     * Adds an entry to the server's ConfigMap, which the pods get as environment variables.
     *
     * @param key   a {@code KUBESERVE_*} variable name, e.g. {@code KUBESERVE_LOG_FORMAT}
     * @param value its value; not null
     * @return this builder
     */
    public ManifestOptionsBuilder serverConfig(String key, String value) {
        serverConfig.put(key, value);
        return this;
    }

    /**
     * Serve HTTPS (and gRPC over TLS) with the certificate and key of a {@code kubernetes.io/tls} Secret,
     * mounted read-only and passed as {@code --tls-cert}/{@code --tls-key}; the probes then use HTTPS.
     * The key must be PEM PKCS#8 (cert-manager: {@code privateKey.encoding: PKCS8}).
     *
     * @param value a DNS-1123 subdomain; not with {@code kserve}, {@code clusterRuntime} or gRPC probes;
     *              null (the default) for plain text
     * @return this builder
     */
    public ManifestOptionsBuilder tlsSecret(String value) {
        tlsSecret = value;
        return this;
    }

    /**
     * Require API bearer tokens: the Secret's key {@code tokens} (one token a line) is mounted read-only
     * and passed as {@code --auth-tokens-file}. Probes and {@code /metrics} stay open.
     *
     * @param value a DNS-1123 subdomain; not with {@code clusterRuntime}; null (the default) for no
     *              authentication
     * @return this builder
     */
    public ManifestOptionsBuilder authTokensSecret(String value) {
        authTokensSecret = value;
        return this;
    }

    /**
     * Emit only a cluster-scoped KServe ClusterServingRuntime, which InferenceServices in any namespace
     * get when they ask for a format it auto-selects.
     *
     * @param value true for the ClusterServingRuntime alone; default false
     * @return this builder
     */
    public ManifestOptionsBuilder clusterRuntime(boolean value) {
        clusterRuntime = value;
        return this;
    }

    /**
     * The KServe runtimes' {@code priority} for the formats they auto-select; higher wins.
     *
     * @param value at least 1; default {@value ManifestOptions#DEFAULT_RUNTIME_PRIORITY}
     * @return this builder
     */
    public ManifestOptionsBuilder runtimePriority(int value) {
        runtimePriority = value;
        return this;
    }

    /**
     * Validates and returns the options; the builder may be used again afterwards.
     *
     * @return the options
     * @throws IllegalArgumentException naming the first rule broken (see {@link ManifestOptions})
     */
    public ManifestOptions build() {
        return new ManifestOptions(name, namespace, image, replicas, resources, model, gpus, port, grpcPort, probes,
                kserveProtocol, minReplicas, maxReplicas, requestsPerSecondPerPod, allowedNamespaces,
                ingressControllerNamespace, monitoringNamespace, prometheusAddress, kserve, canaryPercent, keda,
                ingress, ingressHost, ingressClassName, modelCredentialsSecret, serverConfig, tlsSecret, authTokensSecret,
                clusterRuntime, runtimePriority);
    }
}
