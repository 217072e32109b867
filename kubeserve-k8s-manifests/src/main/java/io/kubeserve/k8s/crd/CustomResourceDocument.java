package io.kubeserve.k8s.crd;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/** What every custom resource document here has, so callers can name and file it like a built-in kind. */
public interface CustomResourceDocument extends KubernetesResource {

    String apiVersion();

    String kind();

    ObjectMeta metadata();
}
