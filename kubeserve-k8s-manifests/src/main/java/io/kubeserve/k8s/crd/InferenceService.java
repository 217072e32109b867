package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Map;

/** A {@code serving.kserve.io/v1beta1} InferenceService whose predictor is a custom container. */
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

    /** Only a predictor: KubeServe does its own pre- and post-processing. */
    public record Spec(Predictor predictor) {
    }

    /**
     * The predictor component: KServe's scaling and rollout fields, then the pod fields it passes on
     * to the pods it creates. Empty lists and maps are left out.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Predictor(Integer minReplicas, Integer maxReplicas, String scaleMetric, Integer scaleTarget,
                            Integer canaryTrafficPercent, DeploymentStrategy deploymentStrategy,
                            List<StorageUri> storageUris, Map<String, String> labels,
                            Map<String, String> annotations, Boolean automountServiceAccountToken,
                            PodSecurityContext securityContext, Long terminationGracePeriodSeconds,
                            Affinity affinity, Map<String, String> nodeSelector, List<Toleration> tolerations,
                            List<Container> containers, List<Volume> volumes) {
    }

    /** A model to fetch before the container starts, and where it appears. */
    public record StorageUri(String uri, String mountPath) {
    }

    /** Rollout settings for KServe's RawDeployment mode. */
    public record DeploymentStrategy(String type, RollingUpdate rollingUpdate) {
    }

    /** Pods above and below the wanted count during a rollout. */
    public record RollingUpdate(int maxSurge, int maxUnavailable) {
    }
}
