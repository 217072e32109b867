package io.kubeserve.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/** A {@code monitoring.coreos.com/v1} ServiceMonitor: tells Prometheus Operator what to scrape. */
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

    /** Which Services to scrape and how. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(LabelSelector selector, List<Endpoint> endpoints) {
    }

    /** One scrape target on a named Service port. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Endpoint(String port, String path, String interval, String scrapeTimeout) {
    }
}
