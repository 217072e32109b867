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
     * Denies all ingress to the server pods except: to its HTTP port and (when on) its gRPC port from
     * its own namespace, the allowed namespaces and the ingress controller's namespace; and to the
     * HTTP port alone from the monitoring namespace (metrics stay on HTTP).
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
                .withIngress(fromNamespaces(List.copyOf(callers), servingPorts(o)),
                        fromNamespaces(List.of(o.monitoringNamespace()), List.of(o.port())))
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

    /** The ports callers use: HTTP, and gRPC when on. */
    private static List<Integer> servingPorts(ManifestOptions o) {
        return o.grpc() ? List.of(o.port(), o.grpcPort()) : List.of(o.port());
    }

    private static NetworkPolicyIngressRule fromNamespaces(List<String> namespaces, List<Integer> ports) {
        NetworkPolicyIngressRuleBuilder b = new NetworkPolicyIngressRuleBuilder()
                .addNewFrom().withNewNamespaceSelector().addNewMatchExpression()
                .withKey(NAMESPACE_NAME_LABEL).withOperator("In").withValues(namespaces)
                .endMatchExpression().endNamespaceSelector().endFrom();
        ports.forEach(port -> b.addNewPort().withProtocol("TCP").withPort(new IntOrString(port)).endPort());
        return b.build();
    }
}
