package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/** A {@code keda.sh/v1alpha1} ScaledObject: KEDA creates and drives an HPA from its triggers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record ScaledObject(ObjectMeta metadata, Spec spec) implements CustomResourceDocument {

    @Override
    @JsonProperty("apiVersion")
    public String apiVersion() {
        return "keda.sh/v1alpha1";
    }

    @Override
    @JsonProperty("kind")
    public String kind() {
        return "ScaledObject";
    }

    /** What to scale, within which bounds, on which triggers. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod,
                       Integer minReplicaCount, Integer maxReplicaCount, List<Trigger> triggers) {
    }

    /** The workload KEDA scales. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ScaleTargetRef(String apiVersion, String kind, String name) {
    }

    /** One scaler; {@code metadata} is that scaler's own string settings. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Trigger(String type, String name, String metricType, Map<String, String> metadata) {
    }
}
