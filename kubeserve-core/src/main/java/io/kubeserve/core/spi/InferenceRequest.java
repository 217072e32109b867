package io.kubeserve.core.spi;

import io.kubeserve.core.tensor.Tensor;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One inference call, free of any transport: named input tensors in the order sent, an optional
 * id to echo, optionally the outputs wanted (empty: all of them), and optionally how long the caller
 * waits for the answer. The record is immutable (the map and list are copies) but the tensors are the
 * caller's: see {@link Predictor} for who may change them when.
 *
 * @param id               the caller's request id, echoed in the response; may be null
 * @param inputs           input tensors by name, in the order the caller gave them
 * @param requestedOutputs output names to return; empty means every output
 * @param timeout          how long after {@link Predictor#predictAsync} the caller still wants the
 *                         answer (a gRPC client's deadline, say), or null for no limit beyond the
 *                         model's own {@code request_timeout_ms}; past it the prediction completes with
 *                         {@code TIMEOUT}, and a request still queued then never runs
 */
public record InferenceRequest(String id, Map<String, Tensor> inputs, List<String> requestedOutputs, Duration timeout) {

    /**
     * Copies the inputs (keeping their order) and the output names.
     *
     * @param id               the caller's request id; may be null
     * @param inputs           input tensors by name, in the caller's order
     * @param requestedOutputs output names to return; null or empty for all
     * @param timeout          positive, or null for none
     * @throws NullPointerException when {@code inputs} is null; a null {@code requestedOutputs}
     *         means every output
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public InferenceRequest {
        Objects.requireNonNull(inputs, "inputs");
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        requestedOutputs = requestedOutputs == null ? List.of() : List.copyOf(requestedOutputs);
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            throw new IllegalArgumentException("a request's timeout must be positive, not " + timeout);
        }
    }

    /**
     * A request without a timeout of its own.
     *
     * @param id               the caller's request id; may be null
     * @param inputs           input tensors by name, in the caller's order
     * @param requestedOutputs output names to return; null or empty for all
     */
    public InferenceRequest(String id, Map<String, Tensor> inputs, List<String> requestedOutputs) {
        this(id, inputs, requestedOutputs, null);
    }

    /**
     * This request with a timeout of its own.
     *
     * @param timeout how long after {@link Predictor#predictAsync} the caller waits; positive, or null
     *                for none
     * @return a new request with the same inputs, id and output names
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public InferenceRequest withTimeout(Duration timeout) {
        return new InferenceRequest(id, inputs, requestedOutputs, timeout);
    }

    /**
     * A request with one input, no id, and every output wanted.
     *
     * @param inputName the model's input name, e.g. {@code float_input}
     * @param tensor    its value, of the datatype and shape the model declares
     * @return the request
     */
    public static InferenceRequest of(String inputName, Tensor tensor) {
        return new InferenceRequest(null, Map.of(inputName, tensor), List.of());
    }

    /**
     * A request whose inputs are given in order, e.g. {@code of(Map.of("x", t))}, with no id and
     * every output wanted.
     *
     * @param inputs tensors by input name; copied, in the map's iteration order
     * @return the request
     */
    public static InferenceRequest of(Map<String, Tensor> inputs) {
        return new InferenceRequest(null, inputs, List.of());
    }

    /**
     * Whether the response should carry an output.
     *
     * @param name an output name
     * @return true when no outputs were named, or this one was
     */
    public boolean wantsOutput(String name) {
        return requestedOutputs.isEmpty() || requestedOutputs.contains(name);
    }
}
