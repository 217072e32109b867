package io.kubeserve.k8s;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Collects {@link ManifestOptions} field by field. Nothing is checked until {@link #build()}, so
 * fields may be set in any order and the error names the first rule broken.
 */
public final class ManifestOptionsBuilder {

    private String name;
    private String image;
    private String namespace = "default";
    private int replicas = 2;
    private ResourceSettings resources = ResourceSettings.DEFAULT;
    private ModelLocation model = ModelLocation.DEFAULT;
    private int gpus;
    private int port = 8080;
    private int minReplicas = 2;
    private int maxReplicas = 10;
    private OptionalInt requestsPerSecondPerPod = OptionalInt.empty();
    private final List<String> allowedNamespaces = new ArrayList<>();
    private String ingressControllerNamespace = "ingress-nginx";
    private String monitoringNamespace = "monitoring";
    private String prometheusAddress = "http://prometheus-operated.monitoring.svc:9090";
    private boolean kserve;
    private OptionalInt canaryPercent = OptionalInt.empty();
    private boolean keda;
    private boolean ingress;
    private String ingressHost;
    private String ingressClassName = "nginx";
    private String modelCredentialsSecret;
    private final Map<String, String> serverConfig = new LinkedHashMap<>();

    ManifestOptionsBuilder(String name, String image) {
        this.name = name;
        this.image = image;
    }

    ManifestOptionsBuilder(ManifestOptions o) {
        this(o.name(), o.image());
        namespace = o.namespace();
        replicas = o.replicas();
        resources = o.resources();
        model = o.model();
        gpus = o.gpus();
        port = o.port();
        minReplicas = o.minReplicas();
        maxReplicas = o.maxReplicas();
        requestsPerSecondPerPod = o.requestsPerSecondPerPod();
        allowedNamespaces.addAll(o.allowedNamespaces());
        ingressControllerNamespace = o.ingressControllerNamespace();
        monitoringNamespace = o.monitoringNamespace();
        prometheusAddress = o.prometheusAddress();
        kserve = o.kserve();
        canaryPercent = o.canaryPercent();
        keda = o.keda();
        ingress = o.ingress();
        ingressHost = o.ingressHost();
        ingressClassName = o.ingressClassName();
        modelCredentialsSecret = o.modelCredentialsSecret();
        serverConfig.putAll(o.serverConfig());
    }

    public ManifestOptionsBuilder name(String value) {
        name = value;
        return this;
    }

    public ManifestOptionsBuilder image(String value) {
        image = value;
        return this;
    }

    public ManifestOptionsBuilder namespace(String value) {
        namespace = value;
        return this;
    }

    public ManifestOptionsBuilder replicas(int value) {
        replicas = value;
        return this;
    }

    public ManifestOptionsBuilder resources(ResourceSettings value) {
        resources = value;
        return this;
    }

    public ManifestOptionsBuilder model(ModelLocation value) {
        model = value;
        return this;
    }

    /** Same as {@link #model(ModelLocation)} with {@link ModelLocation#parse(String)}. */
    public ManifestOptionsBuilder model(String location) {
        return model(ModelLocation.parse(location));
    }

    public ManifestOptionsBuilder gpus(int value) {
        gpus = value;
        return this;
    }

    public ManifestOptionsBuilder port(int value) {
        port = value;
        return this;
    }

    public ManifestOptionsBuilder autoscaling(int min, int max) {
        minReplicas = min;
        maxReplicas = max;
        return this;
    }

    public ManifestOptionsBuilder minReplicas(int value) {
        minReplicas = value;
        return this;
    }

    public ManifestOptionsBuilder maxReplicas(int value) {
        maxReplicas = value;
        return this;
    }

    public ManifestOptionsBuilder requestsPerSecondPerPod(int value) {
        requestsPerSecondPerPod = OptionalInt.of(value);
        return this;
    }

    public ManifestOptionsBuilder allowNamespace(String value) {
        allowedNamespaces.add(value);
        return this;
    }

    public ManifestOptionsBuilder ingressControllerNamespace(String value) {
        ingressControllerNamespace = value;
        return this;
    }

    public ManifestOptionsBuilder monitoringNamespace(String value) {
        monitoringNamespace = value;
        return this;
    }

    public ManifestOptionsBuilder prometheusAddress(String value) {
        prometheusAddress = value;
        return this;
    }

    public ManifestOptionsBuilder kserve(boolean value) {
        kserve = value;
        return this;
    }

    public ManifestOptionsBuilder canaryPercent(int value) {
        canaryPercent = OptionalInt.of(value);
        return this;
    }

    public ManifestOptionsBuilder keda(boolean value) {
        keda = value;
        return this;
    }

    public ManifestOptionsBuilder ingress(boolean value) {
        ingress = value;
        return this;
    }

    /** Turns the Ingress on, matching {@code host}. */
    public ManifestOptionsBuilder ingressHost(String host) {
        ingress = true;
        ingressHost = host;
        return this;
    }

    public ManifestOptionsBuilder ingressClassName(String value) {
        ingressClassName = value;
        return this;
    }

    public ManifestOptionsBuilder modelCredentialsSecret(String value) {
        modelCredentialsSecret = value;
        return this;
    }

    public ManifestOptionsBuilder serverConfig(String key, String value) {
        serverConfig.put(key, value);
        return this;
    }

    /** Validates and returns the options; throws {@link IllegalArgumentException} naming the broken rule. */
    public ManifestOptions build() {
        return new ManifestOptions(name, namespace, image, replicas, resources, model, gpus, port, minReplicas,
                maxReplicas, requestsPerSecondPerPod, allowedNamespaces, ingressControllerNamespace,
                monitoringNamespace, prometheusAddress, kserve, canaryPercent, keda, ingress, ingressHost,
                ingressClassName, modelCredentialsSecret, serverConfig);
    }
}
