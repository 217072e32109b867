package io.kubeserve.http.codec;

import io.kubeserve.core.spi.InferenceRequest;
import java.util.Objects;

/**
 * A decoded V2 inference request: the transport-free request and how its outputs are to be sent.
 *
 * @param request      inputs in the order sent, the id, and the outputs asked for (empty: all)
 * @param outputFormat JSON or binary per output, to hand to {@link V2ResponseEncoder}
 */
public record V2Request(InferenceRequest request, OutputFormat outputFormat) {

    public V2Request {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(outputFormat, "outputFormat");
    }
}
