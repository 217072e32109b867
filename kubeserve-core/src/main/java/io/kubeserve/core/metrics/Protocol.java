package io.kubeserve.core.metrics;

/** The inference protocols of both adapters, as the {@code protocol} label of request metrics. */
public enum Protocol {
    /** The Open Inference Protocol (KServe V2), {@code /v2/models/...}. */
    V2("v2"),
    /** KServe V1, {@code /v1/models/{m}:predict}. */
    V1("v1"),
    /** The seed API, {@code POST /predict}. */
    SEED("seed"),
    /** The Open Inference Protocol over gRPC, {@code inference.GRPCInferenceService/ModelInfer}. */
    GRPC("grpc");

    private final String label;

    Protocol(String label) {
        this.label = label;
    }

    /**
     * The protocol as a metric label value.
     *
     * @return {@code v2}, {@code v1}, {@code seed} or {@code grpc}
     */
    public String label() {
        return label;
    }
}
