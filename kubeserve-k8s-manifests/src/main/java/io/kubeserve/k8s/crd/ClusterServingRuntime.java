package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * A cluster-scoped {@code serving.kserve.io/v1alpha1} ClusterServingRuntime: the same spec as a
 * {@link ServingRuntime}, offered to InferenceServices in every namespace (KServe API reference,
 * "ClusterServingRuntime"). KServe prefers a namespace's own ServingRuntimes; among runtimes that
 * auto-select a format, the highest {@code priority} wins.
 *
 * <p>Immutable. Java-serializable only because fabric8's {@code KubernetesResource} is; it is
 * written as YAML, never as Java objects, so it has no serialized form.
 *
 * @param metadata name and labels; no namespace
 * @param spec     formats, protocols, container and volumes
 * @serial exclude
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record ClusterServingRuntime(ObjectMeta metadata, ServingRuntime.Spec spec) implements CustomResourceDocument {

    @Override
    @JsonProperty("apiVersion")
    public String apiVersion() {
        return "serving.kserve.io/v1alpha1";
    }

    @Override
    @JsonProperty("kind")
    public String kind() {
        return "ClusterServingRuntime";
    }
}
