package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import java.util.List;
import java.util.TreeSet;

/** Who may reach the server: the NetworkPolicy, and the optional Ingress. */
final class NetworkManifests {

    /** Set by Kubernetes itself on every namespace, so selecting by it needs no labelling by users. */
    private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private NetworkManifests() {
    }

    /**
     * Denies all ingress to the server pods except to its port from: its own namespace, the allowed
     * namespaces, the ingress controller's namespace, and the monitoring namespace (for scrapes).
     * Egress stays open: an s3:// model fetch needs the object store and DNS.
     */
    static NetworkPolicy networkPolicy(ManifestOptions o) {
        TreeSet<String> callers = new TreeSet<>(o.allowedNamespaces());
        callers.add(o.namespace());
        callers.add(o.ingressControllerNamespace());
        return new NetworkPolicyBuilder()
                .withMetadata(Manifests.metadata(o, o.name()))
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(Labels.selector(o)).endPodSelector()
                .withPolicyTypes("Ingress")
                .withIngress(fromNamespaces(o, List.copyOf(callers)),
                        fromNamespaces(o, List.of(o.monitoringNamespace())))
                .endSpec()
                .build();
    }

    static Ingress ingress(ManifestOptions o) {
        return new IngressBuilder()
                .withMetadata(Manifests.metadata(o, o.name()))
                .withNewSpec()
                .withIngressClassName(o.ingressClassName())
                .addNewRule()
                .withHost(o.ingressHost())
                .withNewHttp().addNewPath().withPath("/").withPathType("Prefix")
                .withNewBackend().withNewService().withName(o.name())
                .withNewPort().withName(ServerPod.PORT_NAME).endPort()
                .endService().endBackend()
                .endPath().endHttp()
                .endRule()
                .endSpec()
                .build();
    }

    private static NetworkPolicyIngressRule fromNamespaces(ManifestOptions o, List<String> namespaces) {
        return new NetworkPolicyIngressRuleBuilder()
                .addNewFrom().withNewNamespaceSelector().addNewMatchExpression()
                .withKey(NAMESPACE_NAME_LABEL).withOperator("In").withValues(namespaces)
                .endMatchExpression().endNamespaceSelector().endFrom()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(o.port())).endPort()
                .build();
    }
}
