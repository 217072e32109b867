package io.kubeserve.http.metrics;

/** The inference protocols, as the {@code protocol} label of request metrics. */
public enum Protocol {
    V2("v2"),
    V1("v1"),
    SEED("seed");

    private final String label;

    Protocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
