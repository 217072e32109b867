package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;

/**
 * A namespaced {@code serving.kserve.io/v1alpha1} ServingRuntime: how KServe runs the KubeServe
 * server for an InferenceService whose predictor names it, or that asks only for a format the runtime
 * auto-selects (KServe API reference, "ServingRuntime"). {@link ClusterServingRuntime} shares its spec.
 * It carries the server container, the model formats the InferenceService may ask for, and the
 * protocols the server speaks, which KServe checks the InferenceService's {@code protocolVersion}
 * against.
 *
 * <p>Immutable. Java-serializable only because fabric8's {@code KubernetesResource} is; it is
 * written as YAML, never as Java objects, so it has no serialized form.
 *
 * @param metadata name, namespace and labels
 * @param spec     formats, protocols, container and volumes
 * @serial exclude
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record ServingRuntime(ObjectMeta metadata, Spec spec) implements CustomResourceDocument {

    @Override
    @JsonProperty("apiVersion")
    public String apiVersion() {
        return "serving.kserve.io/v1alpha1";
    }

    @Override
    @JsonProperty("kind")
    public String kind() {
        return "ServingRuntime";
    }

    /**
     * The runtime: what it serves, how clients may talk to it, and the pod parts KServe merges into
     * the predictor's pod. Empty lists are left out.
     *
     * @param supportedModelFormats model formats an InferenceService naming this runtime may declare
     * @param protocolVersions      KServe protocol names the server speaks, e.g. {@code v2} and
     *                              {@code grpc-v2}
     * @param containers            the server container, named {@code kserve-container}
     * @param volumes               volumes the container mounts
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Spec(List<SupportedModelFormat> supportedModelFormats, List<String> protocolVersions,
                       List<Container> containers, List<Volume> volumes) {
    }

    /**
     * One model format the runtime accepts. Without {@code autoSelect} KServe only uses the runtime
     * for InferenceServices that name it, never picks it on its own; with it, KServe may pick this
     * runtime for an InferenceService that gives only the format, preferring the highest priority.
     * Null fields are left out.
     *
     * @param name       the format's name, e.g. {@code onnx} or {@code kubeserve}
     * @param version    the format's version, e.g. {@code 1}; an InferenceService without a version
     *                   matches any; null for none
     * @param autoSelect whether KServe may choose this runtime for the format by itself; null reads as false
     * @param priority   1 or more, higher wins among runtimes that auto-select the same format and
     *                   version; only with {@code autoSelect}; null for none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SupportedModelFormat(String name, String version, Boolean autoSelect, Integer priority) {

        /**
         * A format that KServe uses only for InferenceServices naming this runtime.
         *
         * @param name the format's name, e.g. {@code kubeserve}
         */
        public SupportedModelFormat(String name) {
            this(name, null, null, null);
        }
    }
}
