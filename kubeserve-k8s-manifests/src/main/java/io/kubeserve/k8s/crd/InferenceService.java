package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * A {@code serving.kserve.io/v1beta1} InferenceService whose predictor runs a model on a named
 * {@link ServingRuntime} (KServe API reference, "InferenceService", "PredictorSpec" and "ModelSpec").
 *
 * <p>Immutable. Java-serializable only because fabric8's {@code KubernetesResource} is; it is
 * written as YAML, never as Java objects, so it has no serialized form.
 *
 * @param metadata name, namespace, labels and annotations
 * @param spec     the predictor
 * @serial exclude
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record InferenceService(ObjectMeta metadata, Spec spec) implements CustomResourceDocument {

    @Override
    @JsonProperty("apiVersion")
    public String apiVersion() {
        return "serving.kserve.io/v1beta1";
    }

    @Override
    @JsonProperty("kind")
    public String kind() {
        return "InferenceService";
    }

    /**
     * Only a predictor: KubeServe does its own pre- and post-processing.
     *
     * @param predictor the predictor component
     */
    public record Spec(Predictor predictor) {
    }

    /**
     * The predictor component: KServe's scaling and rollout fields, then the pod fields it passes on
     * to the pods it creates, and the model. Empty lists and maps are left out, and so are null fields.
     *
     * @param minReplicas                   fewest pods
     * @param maxReplicas                   most pods
     * @param scaleMetric                   what KServe's autoscaler scales on, e.g. {@code cpu}
     * @param scaleTarget                   the metric's target per pod (percent for {@code cpu})
     * @param canaryTrafficPercent          share of traffic for the newest revision, 0 to 100
     * @param deploymentStrategy            rollout settings (RawDeployment mode)
     * @param storageUris                   models KServe fetches before the container starts
     * @param labels                        labels for the pods
     * @param annotations                   annotations for the pods (e.g. the deployment mode)
     * @param automountServiceAccountToken  whether the pods get an API token
     * @param securityContext               the pod security context
     * @param terminationGracePeriodSeconds seconds a pod has to drain after SIGTERM
     * @param affinity                      scheduling affinity
     * @param nodeSelector                  node labels the pods need
     * @param tolerations                   taints the pods tolerate
     * @param model                         the model's format, runtime and protocol (the container comes
     *                                      from the runtime)
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Predictor(Integer minReplicas, Integer maxReplicas, String scaleMetric, Integer scaleTarget,
                            Integer canaryTrafficPercent, DeploymentStrategy deploymentStrategy,
                            List<StorageUri> storageUris, Map<String, String> labels,
                            Map<String, String> annotations, Boolean automountServiceAccountToken,
                            PodSecurityContext securityContext, Long terminationGracePeriodSeconds,
                            Affinity affinity, Map<String, String> nodeSelector, List<Toleration> tolerations,
                            Model model) {
    }

    /**
     * The predictor's model: which runtime serves it and how clients talk to it.
     *
     * @param modelFormat     the format; the runtime must list it among its supported formats
     * @param runtime         the ServingRuntime's name, in the InferenceService's namespace
     * @param protocolVersion {@code v2} or {@code grpc-v2}; the runtime must list it among its protocols
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(ModelFormat modelFormat, String runtime, String protocolVersion) {
    }

    /**
     * A model format by name.
     *
     * @param name e.g. {@code kubeserve}
     */
    public record ModelFormat(String name) {
    }

    /**
     * A model to fetch before the container starts, and where it appears.
     *
     * @param uri       the storage URI, e.g. {@code s3://bucket/prefix} or {@code pvc://claim/path}
     * @param mountPath where the container sees it
     */
    public record StorageUri(String uri, String mountPath) {
    }

    /**
     * Rollout settings for KServe's RawDeployment mode.
     *
     * @param type          {@code RollingUpdate}
     * @param rollingUpdate surge and unavailability during the rollout
     */
    public record DeploymentStrategy(String type, RollingUpdate rollingUpdate) {
    }

    /**
     * Pods above and below the wanted count during a rollout.
     *
     * @param maxSurge       extra pods allowed while rolling
     * @param maxUnavailable pods that may be missing while rolling
     */
    public record RollingUpdate(int maxSurge, int maxUnavailable) {
    }
}
