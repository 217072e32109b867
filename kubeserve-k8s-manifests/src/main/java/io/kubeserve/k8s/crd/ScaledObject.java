package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * A {@code keda.sh/v1alpha1} ScaledObject: KEDA creates and drives an HPA from its triggers (KEDA
 * documentation, "ScaledObject specification").
 *
 * <p>Immutable. Java-serializable only because fabric8's {@code KubernetesResource} is; it is
 * written as YAML, never as Java objects, so it has no serialized form.
 *
 * @param metadata name, namespace and labels
 * @param spec     target, bounds and triggers
 * @serial exclude
 */
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

    /**
     * What to scale, within which bounds, on which triggers.
     *
     * @param scaleTargetRef  the Deployment to scale
     * @param pollingInterval seconds between trigger checks
     * @param cooldownPeriod  seconds after the last active trigger before scaling to the minimum
     * @param minReplicaCount fewest replicas
     * @param maxReplicaCount most replicas
     * @param triggers        the scalers, any of which may scale up
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod,
                       Integer minReplicaCount, Integer maxReplicaCount, List<Trigger> triggers) {
    }

    /**
     * The workload KEDA scales.
     *
     * @param apiVersion its API version, e.g. {@code apps/v1}
     * @param kind       its kind, e.g. {@code Deployment}
     * @param name       its name
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ScaleTargetRef(String apiVersion, String kind, String name) {
    }

    /**
     * One scaler; {@code metadata} is that scaler's own string settings.
     *
     * @param type       the scaler, e.g. {@code prometheus} or {@code cpu}
     * @param name       a name for the trigger, unique in the object
     * @param metricType how the target is read, e.g. {@code AverageValue} or {@code Utilization}
     * @param metadata   the scaler's settings, e.g. {@code serverAddress}, {@code query}, {@code threshold}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Trigger(String type, String name, String metricType, Map<String, String> metadata) {
    }
}
