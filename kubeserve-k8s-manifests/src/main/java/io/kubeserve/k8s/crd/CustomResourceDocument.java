package io.kubeserve.k8s.crd;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * What every custom resource document here has, so callers can name and file it like a built-in kind.
 * Implementations are immutable records, written to YAML by Jackson.
 */
public interface CustomResourceDocument extends KubernetesResource {

    /**
     * The resource's API group and version.
     *
     * @return e.g. {@code serving.kserve.io/v1beta1}
     */
    String apiVersion();

    /**
     * The resource's kind.
     *
     * @return e.g. {@code InferenceService}
     */
    String kind();

    /**
     * The object's name, namespace, labels and annotations.
     *
     * @return fabric8's metadata object, as generated
     */
    ObjectMeta metadata();
}
