package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.kubeserve.k8s.crd.ClusterServingRuntime;
import io.kubeserve.k8s.crd.InferenceService;
import io.kubeserve.k8s.crd.ScaledObject;
import io.kubeserve.k8s.crd.ServiceMonitor;
import io.kubeserve.k8s.crd.ServingRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The custom resources: ServiceMonitor, KServe ServingRuntime, ClusterServingRuntime and InferenceService,
 * and KEDA ScaledObject.
 */
final class CustomResourceManifests {

    /** KServe's name for the predictor container; its webhooks look for it. */
    static final String KSERVE_CONTAINER = "kserve-container";
    /** Knative accepts only {@code http1} or {@code h2c} as the container port name. */
    static final String KSERVE_PORT_NAME = "http1";
    /**
     * The gRPC container port's name: Knative's name for HTTP/2 cleartext; in RawDeployment mode KServe
     * takes a port whose name contains {@code h2c} or {@code grpc} as gRPC and gives its Service port
     * {@code appProtocol: kubernetes.io/h2c}.
     */
    static final String KSERVE_GRPC_PORT_NAME = "h2c";
    /** The model format the ServingRuntime offers and the InferenceService asks for: a KubeServe model repository. */
    static final String MODEL_FORMAT = "kubeserve";
    /** KServe's V1 protocol ({@code /v1/models/NAME:predict}), which the server speaks too; KServe's default. */
    static final String PROTOCOL_V1 = "v1";
    /** KServe replaces this in a runtime's arguments with the InferenceService's name. */
    static final String ISVC_NAME_TEMPLATE = "{{.Name}}";

    private CustomResourceManifests() {
    }

    static ServiceMonitor serviceMonitor(ManifestOptions o) {
        return new ServiceMonitor(Manifests.metadata(o, o.name()), new ServiceMonitor.Spec(
                new LabelSelectorBuilder().withMatchLabels(Labels.selector(o)).build(),
                List.of(new ServiceMonitor.Endpoint(ServerPod.PORT_NAME, "/metrics", "30s", "10s"))));
    }

    /**
     * The server container as KServe runs it. Serverless mode (a canary) goes through Knative, which
     * routes to one container port: {@code h2c} on the gRPC port for {@code grpc-v2}, else {@code http1}.
     * RawDeployment mode declares both when gRPC is on, and KServe's Service exposes both.
     *
     * <p>When KServe fetches the model ({@code /mnt/models}), the runtime also auto-selects the formats
     * the image serves ({@link #supportedFormats}), so other InferenceServices in the namespace that ask
     * only for, say, {@code onnx} run on it too, each under its own name ({@code --model-name {{.Name}}}).
     * With the model baked into the image it offers only the {@code kubeserve} format, as that model is
     * all it could serve.
     */
    static ServingRuntime servingRuntime(ManifestOptions o) {
        ServerPod pod = new ServerPod(o);
        List<ContainerPort> ports = new ArrayList<>();
        if (serverless(o) && o.kserveProtocol() == KServeProtocol.GRPC_V2) {
            ports.add(pod.grpcPort(KSERVE_GRPC_PORT_NAME));
        } else {
            ports.add(pod.httpPort(KSERVE_PORT_NAME));
            if (o.grpc() && !serverless(o)) {
                ports.add(pod.grpcPort(KSERVE_GRPC_PORT_NAME));
            }
        }
        String repository = Manifests.modelRepository(o);
        boolean kserveStorage = repository.equals(Manifests.KSERVE_MODEL_PATH);
        return new ServingRuntime(Manifests.metadata(o, o.name()), new ServingRuntime.Spec(
                kserveStorage ? supportedFormats(o) : List.of(new ServingRuntime.SupportedModelFormat(MODEL_FORMAT)),
                protocolVersions(o),
                // KServe mounts the model itself (storageUris), so the container mounts only /tmp.
                List.of(pod.server(KSERVE_CONTAINER, ports, repository, ISVC_NAME_TEMPLATE, false)),
                pod.volumes(false, ServerPod.SECRET_MODE_ANY)));
    }

    /**
     * A runtime for InferenceServices in every namespace that ask only for a format and a
     * {@code storageUri}, as KServe's bundled Triton or MLServer runtimes are: the server serves what
     * KServe's storage initializer put in {@code /mnt/models} (a model file such as {@code model.onnx},
     * or a KubeServe model repository) under the InferenceService's name. It declares one container
     * port, {@code http1}: KServe's default deployment mode runs predictors as Knative Services, whose
     * admission refuses more than one, and KServe's own runtimes declare one at most. The server still
     * listens for gRPC (an InferenceService in RawDeployment mode adds an {@code h2c} port to reach it).
     * Its settings are inline: a ConfigMap would have to exist in every namespace.
     */
    static ClusterServingRuntime clusterServingRuntime(ManifestOptions o) {
        ServerPod pod = new ServerPod(o);
        List<ContainerPort> ports = List.of(pod.httpPort(KSERVE_PORT_NAME));
        var metadata = Manifests.metadata(o, o.name());
        metadata.setNamespace(null);
        return new ClusterServingRuntime(metadata, new ServingRuntime.Spec(supportedFormats(o), protocolVersions(o),
                List.of(pod.clusterRuntimeServer(ports, ISVC_NAME_TEMPLATE)),
                pod.volumes(false, ServerPod.SECRET_MODE_ANY)));
    }

    /**
     * The {@code kubeserve} format (a KubeServe model repository, for InferenceServices that name the
     * runtime), then each format the image serves ({@link KServeModelFormat#servedBy}), once per version,
     * auto-selected at {@link ManifestOptions#runtimePriority()} where {@link KServeModelFormat#autoSelect()}.
     */
    static List<ServingRuntime.SupportedModelFormat> supportedFormats(ManifestOptions o) {
        List<ServingRuntime.SupportedModelFormat> formats = new ArrayList<>();
        formats.add(new ServingRuntime.SupportedModelFormat(MODEL_FORMAT));
        for (KServeModelFormat format : KServeModelFormat.servedBy(o.image())) {
            for (String version : format.versions()) {
                formats.add(format.autoSelect()
                        ? new ServingRuntime.SupportedModelFormat(format.kserveName(), version, true, o.runtimePriority())
                        : new ServingRuntime.SupportedModelFormat(format.kserveName(), version, null, null));
            }
        }
        return formats;
    }

    /** {@code v1} (KServe's default for an InferenceService that names none), {@code v2}, and {@code grpc-v2} with gRPC on. */
    private static List<String> protocolVersions(ManifestOptions o) {
        return o.grpc() ? List.of(PROTOCOL_V1, KServeProtocol.V2.value(), KServeProtocol.GRPC_V2.value())
                : List.of(PROTOCOL_V1, KServeProtocol.V2.value());
    }

    /**
     * The predictor runs the same pod as the Deployment would, its container from the ServingRuntime. KEDA, when on, needs RawDeployment mode
     * with KServe's own autoscaler off; a canary needs Serverless mode (the options forbid both).
     */
    static InferenceService inferenceService(ManifestOptions o) {
        ServerPod pod = new ServerPod(o);
        boolean serverless = serverless(o);
        Map<String, String> annotations = new TreeMap<>();
        annotations.put("serving.kserve.io/deploymentMode", serverless ? "Serverless" : "RawDeployment");
        if (o.keda()) {
            annotations.put("serving.kserve.io/autoscalerClass", "external");
        }
        var metadata = Manifests.metadata(o, o.name());
        metadata.setAnnotations(annotations);

        boolean hpa = !serverless && !o.keda();
        List<InferenceService.StorageUri> storage = o.model().needsVolume()
                ? List.of(new InferenceService.StorageUri(o.model().value(), Manifests.KSERVE_MODEL_PATH))
                : List.of();
        var predictor = new InferenceService.Predictor(
                o.minReplicas(), o.maxReplicas(),
                hpa ? "cpu" : null, hpa ? 70 : null,
                o.canaryPercent().isPresent() ? o.canaryPercent().getAsInt() : null,
                serverless ? null : new InferenceService.DeploymentStrategy("RollingUpdate",
                        new InferenceService.RollingUpdate(1, 0)),
                storage,
                Labels.common(o),
                // ServiceMonitor cannot rely on the Services KServe names, so scraping goes by pod annotations.
                prometheusScrapeAnnotations(o),
                false,
                pod.podSecurity(),
                ServerPod.TERMINATION_GRACE_SECONDS,
                pod.antiAffinity(),
                pod.nodeSelector(),
                pod.tolerations(),
                new InferenceService.Model(new InferenceService.ModelFormat(MODEL_FORMAT), o.name(),
                        o.kserveProtocol().value()));
        return new InferenceService(metadata, new InferenceService.Spec(predictor));
    }

    /**
     * Scales on the cluster-wide request rate of this model from Prometheus, plus CPU and memory like
     * the HPA it replaces: KEDA owns the HPA, so both must not exist at once.
     */
    static ScaledObject scaledObject(ManifestOptions o) {
        // KServe's RawDeployment mode names the predictor Deployment <name>-predictor.
        String target = o.kserve() ? o.name() + "-predictor" : o.name();
        String query = "sum(rate(inference_requests_total{model=\"" + o.name() + "\"}[1m]))";
        int rps = o.requestsPerSecondPerPod().orElse(ManifestOptions.DEFAULT_KEDA_RPS);
        Map<String, String> prometheus = new TreeMap<>();
        prometheus.put("serverAddress", o.prometheusAddress());
        prometheus.put("query", query);
        prometheus.put("threshold", Integer.toString(rps));
        return new ScaledObject(Manifests.metadata(o, o.name()), new ScaledObject.Spec(
                new ScaledObject.ScaleTargetRef("apps/v1", "Deployment", target),
                15, 300, o.minReplicas(), o.maxReplicas(),
                List.of(new ScaledObject.Trigger("prometheus", "requests-per-second", "AverageValue", prometheus),
                        new ScaledObject.Trigger("cpu", "cpu", "Utilization", Map.of("value", "70")),
                        new ScaledObject.Trigger("memory", "memory", "Utilization", Map.of("value", "80")))));
    }

    /** A canary needs KServe's Serverless (Knative) mode; everything else runs as RawDeployment. */
    private static boolean serverless(ManifestOptions o) {
        return o.canaryPercent().isPresent();
    }

    private static Map<String, String> prometheusScrapeAnnotations(ManifestOptions o) {
        Map<String, String> annotations = new TreeMap<>();
        annotations.put("prometheus.io/scrape", "true");
        annotations.put("prometheus.io/path", "/metrics");
        annotations.put("prometheus.io/port", Integer.toString(o.port()));
        return annotations;
    }
}
