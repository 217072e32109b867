package io.kubeserve.server.cli;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.kubeserve.k8s.ManifestFiles;
import io.kubeserve.k8s.ManifestGenerator;
import io.kubeserve.k8s.ManifestOptions;
import io.kubeserve.k8s.ManifestOptionsBuilder;
import io.kubeserve.k8s.ResourceSettings;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code manifests --name NAME --image IMAGE [options]}: binds {@link ManifestOptions} from flags and
 * writes the Kubernetes YAML for one model server, to standard output or one file per kind into a
 * directory ({@link ManifestFiles}). The option rules are the builder's; its messages reach the user as
 * usage errors (exit status 2). Not thread-safe: one instance parses one command line.
 */
@Command(name = "manifests", sortOptions = false, mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        addMethodSubcommands = false, versionProvider = VersionProvider.class, usageHelpWidth = 100,
        header = "Writes the Kubernetes YAML that runs one KubeServe model server.", description = "",
        footer = {"", "Exit status: 0 written, 1 the files could not be written, 2 bad usage."})
public final class ManifestsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "Workload name, a DNS-1035 label.")
    private String name;

    @Option(names = "--image", paramLabel = "IMAGE", required = true, description = "Server image.")
    private String image;

    @Option(names = "--namespace", paramLabel = "NS", description = "Target namespace (default: default).")
    private String namespace;

    @Option(names = "--replicas", paramLabel = "N", description = "Initial replicas (default: 2).")
    private Integer replicas;

    @Option(names = "--min-replicas", paramLabel = "N", description = "Autoscaler minimum (default: 2).")
    private Integer minReplicas;

    @Option(names = "--max-replicas", paramLabel = "N", description = "Autoscaler maximum (default: 10).")
    private Integer maxReplicas;

    @Option(names = "--rps-per-pod", paramLabel = "N",
            description = "Also scale on N inference requests per second per pod.")
    private Integer requestsPerSecondPerPod;

    @Option(names = "--gpu", paramLabel = "N",
            description = "nvidia.com/gpu per pod; schedules onto GPU nodes (default: 0).")
    private Integer gpus;

    @Option(names = "--cpu", paramLabel = "REQUEST[:LIMIT]", converter = RequestAndLimit.Converter.class,
            description = "CPU request and limit; a request alone is the limit too (default: 1:2).")
    private RequestAndLimit cpu;

    @Option(names = "--memory", paramLabel = "REQUEST[:LIMIT]", converter = RequestAndLimit.Converter.class,
            description = "Memory request and limit (default: 2Gi:2Gi).")
    private RequestAndLimit memory;

    @Option(names = "--port", paramLabel = "N", description = "Server port (default: 8080).")
    private Integer port;

    @Option(names = "--grpc-port", paramLabel = "N",
            description = "Server gRPC port (Open Inference Protocol, health); 0: no gRPC (default: 8081).")
    private Integer grpcPort;

    @Option(names = "--probes", paramLabel = "KIND",
            description = "http or grpc: how Kubernetes probes the server (default: http).")
    private String probes;

    @Option(names = "--protocol", paramLabel = "PROTOCOL",
            description = "KServe protocolVersion, v2 or grpc-v2 (needs --kserve; default: v2).")
    private String protocol;

    @Option(names = "--model-uri", paramLabel = "LOCATION",
            description = "/path/in/image (default /models), pvc://claim[/path] or s3://bucket/prefix.")
    private String model;

    @Option(names = "--model-secret", paramLabel = "NAME", description = "Secret with credentials for an s3:// model fetch.")
    private String modelSecret;

    @Option(names = "--allow-namespace", paramLabel = "NS",
            description = "Namespace whose pods may call the server (repeatable).")
    private List<String> allowedNamespaces = new ArrayList<>();

    @Option(names = "--ingress-namespace", paramLabel = "NS",
            description = "Ingress controller namespace (default: ingress-nginx).")
    private String ingressNamespace;

    @Option(names = "--monitoring-namespace", paramLabel = "NS", description = "Prometheus namespace (default: monitoring).")
    private String monitoringNamespace;

    @Option(names = "--prometheus", paramLabel = "URL", description = "Prometheus address for KEDA.")
    private String prometheus;

    @Option(names = "--kserve", description = "Emit a KServe InferenceService instead of Deployment/Service/HPA.")
    private boolean kserve;

    @Option(names = "--canary", paramLabel = "PERCENT", description = "KServe canary traffic percent (needs --kserve).")
    private Integer canaryPercent;

    @Option(names = "--cluster-runtime",
            description = "Emit only a KServe ClusterServingRuntime that auto-selects onnx (and sklearn with the full"
                    + " image, which also lists pytorch for InferenceServices naming the runtime) in every namespace.")
    private boolean clusterRuntime;

    @Option(names = "--runtime-priority", paramLabel = "N",
            description = "KServe runtimes' priority for the formats they auto-select (default: 5).")
    private Integer runtimePriority;

    @Option(names = "--tls-secret", paramLabel = "NAME",
            description = "kubernetes.io/tls Secret to serve HTTPS and gRPC over TLS with (key in PKCS#8).")
    private String tlsSecret;

    @Option(names = "--auth-tokens-secret", paramLabel = "NAME",
            description = "Secret whose key 'tokens' holds the API bearer tokens, one a line.")
    private String authTokensSecret;

    @Option(names = "--keda", description = "Emit a KEDA ScaledObject instead of the HPA.")
    private boolean keda;

    @Option(names = "--ingress", description = "Emit an Ingress for any host.")
    private boolean ingress;

    @Option(names = "--ingress-host", paramLabel = "HOST", description = "Emit an Ingress for HOST.")
    private String ingressHost;

    @Option(names = "--ingress-class", paramLabel = "NAME", description = "IngressClass (default: nginx).")
    private String ingressClass;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "Extra KUBESERVE_* server setting (repeatable).")
    private Map<String, String> serverConfig = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Write one file per kind into DIR instead of stdout.")
    private Path out;

    /** For picocli; the options arrive through the fields. */
    public ManifestsCommand() {
    }

    /**
     * The options the flags describe, validated by {@link ManifestOptionsBuilder#build()}.
     *
     * @return the options
     * @throws ParameterException with the builder's message when a rule is broken
     */
    public ManifestOptions options() {
        ManifestOptionsBuilder b = ManifestOptions.builder(name, image);
        ResourceSettings defaults = ResourceSettings.DEFAULT;
        RequestAndLimit cpuPair = cpu == null ? new RequestAndLimit(defaults.cpuRequest(), defaults.cpuLimit()) : cpu;
        RequestAndLimit memoryPair = memory == null
                ? new RequestAndLimit(defaults.memoryRequest(), defaults.memoryLimit()) : memory;
        try {
            b.resources(new ResourceSettings(cpuPair.request(), cpuPair.limit(), memoryPair.request(),
                    memoryPair.limit()));
            set(namespace, b::namespace);
            set(replicas, b::replicas);
            set(minReplicas, b::minReplicas);
            set(maxReplicas, b::maxReplicas);
            set(requestsPerSecondPerPod, b::requestsPerSecondPerPod);
            set(gpus, b::gpus);
            set(port, b::port);
            set(grpcPort, b::grpcPort);
            set(probes, b::probes);
            set(protocol, b::kserveProtocol);
            set(model, b::model);
            set(modelSecret, b::modelCredentialsSecret);
            allowedNamespaces.forEach(b::allowNamespace);
            set(ingressNamespace, b::ingressControllerNamespace);
            set(monitoringNamespace, b::monitoringNamespace);
            set(prometheus, b::prometheusAddress);
            b.kserve(kserve).keda(keda).ingress(ingress).clusterRuntime(clusterRuntime);
            set(runtimePriority, b::runtimePriority);
            set(tlsSecret, b::tlsSecret);
            set(authTokensSecret, b::authTokensSecret);
            set(canaryPercent, b::canaryPercent);
            set(ingressHost, b::ingressHost);
            set(ingressClass, b::ingressClassName);
            serverConfig.forEach(b::serverConfig);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /**
     * Generates the documents and prints them, or writes them into {@code --out} and lists the files.
     *
     * @return 0 when written, 1 when a file could not be written
     * @throws ParameterException when the options break a rule (exit status 2)
     */
    @Override
    public Integer call() {
        List<KubernetesResource> docs = ManifestGenerator.generate(options());
        PrintWriter stdout = spec.commandLine().getOut();
        if (out == null) {
            stdout.print(ManifestGenerator.toYaml(docs));
            stdout.flush();
            return 0;
        }
        try {
            for (Path file : ManifestFiles.write(docs, out)) {
                stdout.println("wrote " + file);
            }
        } catch (UncheckedIOException e) {
            spec.commandLine().getErr().println("kubeserve manifests: " + e.getMessage() + ": " + e.getCause());
            return 1;
        }
        return 0;
    }

    private static <T> void set(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** A resource request and limit, as Kubernetes quantities; checked by the builder. */
    record RequestAndLimit(String request, String limit) {

        /** {@code REQUEST} or {@code REQUEST:LIMIT}; a request alone is the limit too. */
        static final class Converter implements ITypeConverter<RequestAndLimit> {

            @Override
            public RequestAndLimit convert(String text) {
                String[] parts = text.split(":", -1);
                if (parts.length > 2) {
                    throw new TypeConversionException("expected REQUEST[:LIMIT], got '" + text + "'");
                }
                return new RequestAndLimit(parts[0], parts.length == 2 ? parts[1] : parts[0]);
            }
        }
    }
}
