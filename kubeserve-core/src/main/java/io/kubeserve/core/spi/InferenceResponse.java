package io.kubeserve.core.spi;

import io.kubeserve.core.error.KubeServeException;

import io.kubeserve.core.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one inference call: the model and version that answered, the request's id and
 * the output tensors by name, in the model's output order.
 */
public record InferenceResponse(String id, String modelName, String modelVersion, Map<String, Tensor> outputs) {

    public InferenceResponse {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(outputs, "outputs");
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    /** The named output, or an error naming the outputs there are. */
    public Tensor output(String name) {
        Tensor tensor = outputs.get(name);
        if (tensor == null) {
            throw KubeServeException.invalidInput("model '" + modelName + "' has no output '" + name
                    + "'; outputs are " + outputs.keySet());
        }
        return tensor;
    }
}
