package io.kubeserve.core.spi;

import io.kubeserve.core.InferenceRequest;
import io.kubeserve.core.InferenceResponse;

/**
 * Runs inference for one model version.
 *
 * <p>Implementations are safe for concurrent use: many threads may call {@link #predict} at once
 * on one instance. Engines achieve this without a lock held across inference (OnnxRuntime
 * sessions and TorchScript modules allow concurrent runs), each call owning its native
 * buffers and freeing them before it returns.
 */
@FunctionalInterface
public interface Predictor {

    /**
     * @throws io.kubeserve.core.KubeServeException with {@code INVALID_INPUT} when an input is
     *         missing, unknown, or of the wrong datatype or shape; {@code INTERNAL} when the
     *         engine fails
     */
    InferenceResponse predict(InferenceRequest request);
}
