package io.kubeserve.core.engine.djl;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;

/**
 * Maps what an engine throws during a run to our error codes. Inputs were checked against the
 * model's declared specs before the call, so what still fails is reported as an engine fault,
 * with the engine's first message line (no stack trace, no native detail).
 */
final class EngineFailures {

    private EngineFailures() {
    }

    static KubeServeException translate(Exception e) {
        if (e instanceof KubeServeException kse) {
            return kse;
        }
        return new KubeServeException(ErrorCode.INTERNAL,
                "the engine failed to run the model: " + OnnxModelLoader.firstLine(e.getMessage()), e);
    }
}
