package io.kubeserve.k8s;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How the kubelet probes the server container (startup, liveness and readiness alike).
 * Immutable and thread-safe, like every enum.
 */
public enum ProbeKind {

    /** HTTP GETs on the server's HTTP port: {@code /v2/health/ready} and {@code /v2/health/live}. */
    HTTP("http"),

    /**
     * Kubernetes gRPC probes on the gRPC port: the kubelet calls the standard
     * {@code grpc.health.v1.Health/Check}. Startup and readiness ask for the overall service
     * ({@code grpc: {port: N}}), which KubeServe's health service reports as readiness; liveness asks
     * for the service {@code liveness} ({@code grpc: {port: N, service: liveness}}), which stays
     * {@code SERVING} while the process runs, as {@code GET /v2/health/live} does. Needs a gRPC port
     * above 0.
     */
    GRPC("grpc");

    private final String value;

    ProbeKind(String value) {
        this.value = value;
    }

    /**
     * The name used on the command line and in messages.
     *
     * @return {@code http} or {@code grpc}
     */
    public String value() {
        return value;
    }

    /**
     * Reads a probe kind by its name, ignoring case.
     *
     * @param text {@code http} or {@code grpc}
     * @return the kind
     * @throws IllegalArgumentException naming the accepted values, for anything else (null too)
     */
    public static ProbeKind parse(String text) {
        return Arrays.stream(values()).filter(k -> k.value.equalsIgnoreCase(text == null ? "" : text.strip()))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("probes must be one of "
                        + Arrays.stream(values()).map(ProbeKind::value).collect(Collectors.joining(", "))
                        + ", got '" + text + "'"));
    }

    /**
     * The name, as {@link #parse(String)} reads it.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
