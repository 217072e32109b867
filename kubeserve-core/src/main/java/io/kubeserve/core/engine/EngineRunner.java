package io.kubeserve.core.engine;

import io.kubeserve.core.tensor.Tensor;
import java.util.Map;

/**
 * The engine-specific half of a predictor: runs already-validated inputs, given in the model's
 * input order, and returns every output by name in the model's output order. Must be safe for
 * concurrent calls and must free the call's native memory before returning.
 */
@FunctionalInterface
public interface EngineRunner {

    Map<String, Tensor> run(Tensor[] inputs);
}
