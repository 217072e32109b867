package io.kubeserve.http.codec;

import io.kubeserve.core.spi.InferenceRequest;
import java.util.Objects;

/**
 * A decoded V2 inference request: the transport-free request and how its outputs are to be sent.
 * Immutable; binary inputs may share the request body's buffer (see {@link V2RequestDecoder}).
 *
 * @param request      inputs in the order sent, the id, and the outputs asked for (empty: all)
 * @param outputFormat JSON or binary per output, to hand to {@link V2ResponseEncoder}
 */
public record V2Request(InferenceRequest request, OutputFormat outputFormat) {

    /**
     * Checks that both parts are there.
     *
     * @param request      the transport-free request
     * @param outputFormat JSON or binary per output
     * @throws NullPointerException when either is null
     */
    public V2Request {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(outputFormat, "outputFormat");
    }
}
