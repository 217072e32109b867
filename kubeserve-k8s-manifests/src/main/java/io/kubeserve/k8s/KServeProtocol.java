package io.kubeserve.k8s;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Open Inference Protocol flavour a KServe InferenceService declares as its
 * {@code protocolVersion}; its ServingRuntime lists the ones the server can speak. Only meaningful
 * with {@code kserve}. Immutable and thread-safe, like every enum.
 */
public enum KServeProtocol {

    /** Open Inference Protocol (V2) over REST on the HTTP port; KServe's {@code v2}. */
    V2("v2"),

    /** Open Inference Protocol (V2) over gRPC on the gRPC port; KServe's {@code grpc-v2}. */
    GRPC_V2("grpc-v2");

    private final String value;

    KServeProtocol(String value) {
        this.value = value;
    }

    /**
     * KServe's name for the protocol, as written to {@code protocolVersion} and {@code protocolVersions}.
     *
     * @return {@code v2} or {@code grpc-v2}
     */
    public String value() {
        return value;
    }

    /**
     * Reads a protocol by KServe's name for it, ignoring case.
     *
     * @param text {@code v2} or {@code grpc-v2}
     * @return the protocol
     * @throws IllegalArgumentException naming the accepted values, for anything else (null too)
     */
    public static KServeProtocol parse(String text) {
        return Arrays.stream(values()).filter(p -> p.value.equalsIgnoreCase(text == null ? "" : text.strip()))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("kserveProtocol must be one of "
                        + Arrays.stream(values()).map(KServeProtocol::value).collect(Collectors.joining(", "))
                        + ", got '" + text + "'"));
    }

    /**
     * KServe's name, as {@link #parse(String)} reads it.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
