package io.kubeserve.core.spi;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.util.concurrent.CompletableFuture;
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
 * <p><b>Cancelling.</b> A caller that no longer wants the answer may cancel the stage
 * ({@code toCompletableFuture().cancel(false)}), or a stage it derived from it. With KubeServe's
 * own predictors a request still waiting in its model's queue then leaves it at once and never
 * runs; one the engine is already running finishes and its answer is dropped. {@link #predict}
 * cancels its request when its thread is interrupted.
 *
 * <p><b>Thread-safety.</b> Implementations are safe for concurrent use by any number of threads,
 * through both {@link #predictAsync} and {@link #predict}; they keep no state between calls that a
 * caller could observe. The predictors the registry hands out ({@code KubeServe#predictor}) also
 * follow their model across reloads.
 *
 * <p><b>Ownership.</b> The caller owns the {@link InferenceRequest} and its tensors: the predictor
 * only reads them, keeps no reference after the stage completes, and never changes them, but the
 * caller must not change them either until then (they may be read on another thread, batched with
 * other requests). The tensors of the {@link InferenceResponse} belong to the caller once the stage
 * completes; they are plain heap arrays, so nothing needs closing.
 *
 * <p><b>Errors.</b> A failed stage holds a {@link KubeServeException} whose {@link ErrorCode} says why;
 * an implementation may complete with these codes, and with no other:
 * <ul>
 *   <li>{@link ErrorCode#INVALID_INPUT INVALID_INPUT}: an input is missing or unknown, of the wrong
 *       datatype or shape, inputs disagree on a dimension the model shares between them, a requested
 *       output does not exist, the engine's own input check refused the values, or a request of zero
 *       rows the model cannot answer;</li>
 *   <li>{@link ErrorCode#MODEL_NOT_FOUND MODEL_NOT_FOUND}: (registry-backed predictors only) the model
 *       was removed from the repository since the predictor was obtained;</li>
 *   <li>{@link ErrorCode#MODEL_NOT_READY MODEL_NOT_READY}: the model version is loading, failed to load,
 *       or is being unloaded (queued requests of an unloaded version end this way);</li>
 *   <li>{@link ErrorCode#OVERLOADED OVERLOADED}: the model's queue is full; the request was refused at
 *       once and may be retried later;</li>
 *   <li>{@link ErrorCode#TIMEOUT TIMEOUT}: the request passed the model's deadline
 *       ({@code request_timeout_ms}) or its own {@link InferenceRequest#timeout() timeout}, waiting in
 *       the queue (it is then dropped unrun) or running;</li>
 *   <li>{@link ErrorCode#UNSUPPORTED UNSUPPORTED}: the engine has no tensor of an input's datatype
 *       (for example {@code BYTES} or {@code UINT16} for TorchScript), or the model returned a value
 *       KubeServe cannot serve;</li>
 *   <li>{@link ErrorCode#INTERNAL INTERNAL}: the engine failed while running the model.</li>
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
     * {@link #predictAsync} and wait for it, blocking the calling thread until the stage completes
     * (there is no timeout beyond the model's own deadline).
     *
     * @param request inputs by name, owned by the caller as for {@link #predictAsync}
     * @return the response; its tensors belong to the caller
     * @throws KubeServeException as listed above; {@code INTERNAL} too if the waiting thread is
     *         interrupted (its interrupt flag is set again, and the request is cancelled)
     */
    default InferenceResponse predict(InferenceRequest request) {
        CompletableFuture<InferenceResponse> answer = predictAsync(request).toCompletableFuture();
        try {
            return answer.get();
        } catch (ExecutionException e) {
            throw KubeServeException.rethrow(e.getCause());
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new KubeServeException(ErrorCode.INTERNAL, "interrupted while waiting for the prediction");
        }
    }
}
