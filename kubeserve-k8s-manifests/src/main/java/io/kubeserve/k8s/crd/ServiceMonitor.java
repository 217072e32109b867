package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/**
 * A {@code monitoring.coreos.com/v1} ServiceMonitor: tells Prometheus Operator what to scrape
 * (Prometheus Operator API reference, "ServiceMonitor").
 *
 * <p>Immutable. Java-serializable only because fabric8's {@code KubernetesResource} is; it is
 * written as YAML, never as Java objects, so it has no serialized form.
 *
 * @param metadata name, namespace and labels
 * @param spec     which Services and endpoints
 * @serial exclude
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record ServiceMonitor(ObjectMeta metadata, Spec spec) implements CustomResourceDocument {

    @Override
    @JsonProperty("apiVersion")
    public String apiVersion() {
        return "monitoring.coreos.com/v1";
    }

    @Override
    @JsonProperty("kind")
    public String kind() {
        return "ServiceMonitor";
    }

    /**
     * Which Services to scrape and how.
     *
     * @param selector  labels of the Services to scrape
     * @param endpoints the ports to scrape on them
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(LabelSelector selector, List<Endpoint> endpoints) {
    }

    /**
     * One scrape target on a named Service port.
     *
     * @param port          the Service port's name, e.g. {@code http}
     * @param path          the metrics path, e.g. {@code /metrics}
     * @param interval      time between scrapes, e.g. {@code 30s}
     * @param scrapeTimeout time a scrape may take, e.g. {@code 10s}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Endpoint(String port, String path, String interval, String scrapeTimeout) {
    }
}
