package io.kubeserve.core.spi;

import io.kubeserve.core.error.KubeServeException;

import io.kubeserve.core.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one inference call: the model and version that answered, the request's id and
 * the output tensors by name, in the model's output order. Immutable (the map is a copy; the tensors
 * are the caller's once the response is handed over) and safe to share between threads.
 *
 * @param id           the request's id, echoed; null when the request had none
 * @param modelName    the model that answered
 * @param modelVersion the version that answered, e.g. {@code "1"}
 * @param outputs      output tensors by name, in the model's output order (only the requested ones
 *                     when the request named some)
 */
public record InferenceResponse(String id, String modelName, String modelVersion, Map<String, Tensor> outputs) {

    /**
     * Copies the outputs into an unmodifiable map that keeps their order.
     *
     * @param id           the request's id; may be null
     * @param modelName    the model that answered
     * @param modelVersion the version that answered
     * @param outputs      output tensors by name, in order
     * @throws NullPointerException when {@code modelName} or {@code outputs} is null
     */
    public InferenceResponse {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(outputs, "outputs");
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    /**
     * One output by name.
     *
     * @param name an output name, e.g. {@code probabilities}
     * @return the output tensor
     * @throws KubeServeException {@code INVALID_INPUT} naming the outputs there are, when there is
     *         no output by that name
     */
    public Tensor output(String name) {
        Tensor tensor = outputs.get(name);
        if (tensor == null) {
            throw KubeServeException.invalidInput("model '" + modelName + "' has no output '" + name
                    + "'; outputs are " + outputs.keySet());
        }
        return tensor;
    }
}
