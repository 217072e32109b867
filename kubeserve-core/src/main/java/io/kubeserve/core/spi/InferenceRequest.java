package io.kubeserve.core.spi;

import io.kubeserve.core.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One inference call, free of any transport: named input tensors in the order sent, an optional
 * id to echo, and optionally the outputs wanted (empty: all of them).
 *
 * @param id               the caller's request id, echoed in the response; may be null
 * @param inputs           input tensors by name, in the order the caller gave them
 * @param requestedOutputs output names to return; empty means every output
 */
public record InferenceRequest(String id, Map<String, Tensor> inputs, List<String> requestedOutputs) {

    public InferenceRequest {
        Objects.requireNonNull(inputs, "inputs");
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        requestedOutputs = requestedOutputs == null ? List.of() : List.copyOf(requestedOutputs);
    }

    /** A request with one input and no id. */
    public static InferenceRequest of(String inputName, Tensor tensor) {
        return new InferenceRequest(null, Map.of(inputName, tensor), List.of());
    }

    /** A request whose inputs are given in order, e.g. {@code of(Map.of("x", t))}. */
    public static InferenceRequest of(Map<String, Tensor> inputs) {
        return new InferenceRequest(null, inputs, List.of());
    }

    public boolean wantsOutput(String name) {
        return requestedOutputs.isEmpty() || requestedOutputs.contains(name);
    }
}
