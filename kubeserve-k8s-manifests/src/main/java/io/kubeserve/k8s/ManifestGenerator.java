package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns {@link ManifestOptions} into the Kubernetes documents that run KubeServe, in the order they
 * can be applied: configuration first, then the workload, its traffic, scaling and protection.
 *
 * <p>With {@code kserve} a ServingRuntime (the server container) and an InferenceService (the model,
 * its protocol and scaling) replace the Deployment, Service, HPA and ServiceMonitor, because KServe
 * creates its own. With {@code keda} the ScaledObject replaces the HPA, because KEDA
 * creates an HPA itself and two autoscalers on one Deployment would fight. With {@code clusterRuntime}
 * there is one document, a cluster-scoped KServe ClusterServingRuntime, installed once for every
 * namespace's InferenceServices.
 *
 * <p>Stateless and thread-safe; the documents are new fabric8 model objects owned by the caller.
 */
public final class ManifestGenerator {

    private ManifestGenerator() {
    }

    /**
     * The documents for these options; each kind at most once.
     *
     * @param o validated options
     * @return an unmodifiable list, in apply order: ConfigMap; Deployment and Service, or a
     *         ServingRuntime and an InferenceService; HorizontalPodAutoscaler or ScaledObject; PodDisruptionBudget;
     *         NetworkPolicy; ServiceMonitor (not with KServe); Ingress when asked for. With
     *         {@code clusterRuntime}, the ClusterServingRuntime alone
     */
    public static List<KubernetesResource> generate(ManifestOptions o) {
        if (o.clusterRuntime()) {
            return List.of(CustomResourceManifests.clusterServingRuntime(o));
        }
        List<KubernetesResource> docs = new ArrayList<>();
        docs.add(WorkloadManifests.configMap(o));
        if (o.kserve()) {
            docs.add(CustomResourceManifests.servingRuntime(o));
            docs.add(CustomResourceManifests.inferenceService(o));
        } else {
            docs.add(WorkloadManifests.deployment(o));
            docs.add(WorkloadManifests.service(o));
        }
        if (o.keda()) {
            docs.add(CustomResourceManifests.scaledObject(o));
        } else if (!o.kserve()) {
            docs.add(WorkloadManifests.horizontalPodAutoscaler(o));
        }
        docs.add(WorkloadManifests.podDisruptionBudget(o));
        docs.add(NetworkManifests.networkPolicy(o));
        if (!o.kserve()) {
            docs.add(CustomResourceManifests.serviceMonitor(o));
        }
        if (o.ingress()) {
            docs.add(NetworkManifests.ingress(o));
        }
        return List.copyOf(docs);
    }

    /**
     * The documents as one multi-document YAML string.
     *
     * @param documents Kubernetes objects, in the order to write them
     * @return YAML documents separated by {@code ---} lines, as {@code kubectl apply -f} reads them
     */
    public static String toYaml(List<? extends KubernetesResource> documents) {
        return ManifestYaml.toYaml(documents);
    }

    /**
     * Shorthand for {@code toYaml(generate(options))}.
     *
     * @param options validated options
     * @return the multi-document YAML
     */
    public static String toYaml(ManifestOptions options) {
        return toYaml(generate(options));
    }
}
