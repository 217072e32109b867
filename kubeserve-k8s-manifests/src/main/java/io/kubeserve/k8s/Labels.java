package io.kubeserve.k8s;

import java.util.Map;
import java.util.TreeMap;

/** The labels that tie the generated objects together; one place so selectors always match. */
final class Labels {

    static final String NAME = "app.kubernetes.io/name";
    static final String INSTANCE = "app.kubernetes.io/instance";

    private Labels() {
    }

    /** What Deployment, Service, PDB, NetworkPolicy and ServiceMonitor select pods and services by. */
    static Map<String, String> selector(ManifestOptions o) {
        return Map.of(NAME, "kubeserve", INSTANCE, o.name());
    }

    /** Selector labels plus descriptive ones, on every object and pod. */
    static Map<String, String> common(ManifestOptions o) {
        Map<String, String> labels = new TreeMap<>(selector(o));
        labels.put("app.kubernetes.io/component", "model-server");
        labels.put("app.kubernetes.io/managed-by", "kubeserve-manifests");
        return labels;
    }
}
