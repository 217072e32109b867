package io.kubeserve.core.spi;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * Runs inference for one model version.
 *
 * <p>{@link #predictAsync} is the contract: it returns at once, and the stage completes when the
 * model has answered, on the thread that finished the work (an execution thread of the model, a
 * deadline timer, or the caller's thread for a request refused at once). Nothing waits in between:
 * a queued request holds a place in its model's queue and no thread. {@link #predict} blocks the
 * caller until then, for code that wants a plain call.
 *
 * <p>Implementations are safe for concurrent use by any number of threads. A failed stage holds a
 * {@link KubeServeException} whose {@link ErrorCode} says why:
 * <ul>
 *   <li>{@code INVALID_INPUT}: an input is missing or unknown, or of the wrong datatype or shape, or
 *       a requested output does not exist;</li>
 *   <li>{@code OVERLOADED}: the model's queue is full; retry later;</li>
 *   <li>{@code TIMEOUT}: the request passed the model's deadline, waiting or running;</li>
 *   <li>{@code MODEL_NOT_READY}: the model version is being unloaded;</li>
 *   <li>{@code UNSUPPORTED}: the model returned something that cannot be served;</li>
 *   <li>{@code INTERNAL}: the engine failed.</li>
 * </ul>
 */
@FunctionalInterface
public interface Predictor {

    /**
     * Starts one prediction. Input errors may complete the stage exceptionally before this returns;
     * this method itself does not throw for them.
     *
     * @param request inputs by name; the caller must not change its tensors until the stage completes
     * @return the response, or a failure as listed above
     */
    CompletionStage<InferenceResponse> predictAsync(InferenceRequest request);

    /**
     * {@link #predictAsync} and wait for it.
     *
     * @throws KubeServeException as listed above; {@code INTERNAL} too if the waiting thread is
     *         interrupted (its interrupt flag is set again)
     */
    default InferenceResponse predict(InferenceRequest request) {
        try {
            return predictAsync(request).toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw KubeServeException.rethrow(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeServeException(ErrorCode.INTERNAL, "interrupted while waiting for the prediction");
        }
    }
}
