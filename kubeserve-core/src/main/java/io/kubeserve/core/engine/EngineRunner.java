package io.kubeserve.core.engine;

import io.kubeserve.core.tensor.Tensor;
import java.util.Map;

/**
 * The engine-specific half of a predictor: runs already-validated inputs, given in the model's
 * input order, and returns every output by name in the model's output order. Must be safe for
 * concurrent calls (a model version runs up to {@code instances} at once, each on its own execution
 * thread of its {@link ModelScheduler}). Native memory of a call is freed before it returns; what
 * an engine keeps between calls (per-thread buffers, say) is freed when its model is closed.
 */
@FunctionalInterface
public interface EngineRunner {

    /**
     * Runs the engine once, blocking the calling thread until it answers.
     *
     * @param inputs one tensor per model input, in the model's input order, already checked against
     *               the specs (a batch of stacked requests when batching is on); only read, and the
     *               caller keeps ownership
     * @return every output by name in the model's output order; new heap tensors the caller owns
     * @throws io.kubeserve.core.error.KubeServeException {@code INVALID_INPUT} when the engine's own
     *         check refuses the values, {@code UNSUPPORTED} for an output it cannot serve,
     *         {@code INTERNAL} when the engine fails
     */
    Map<String, Tensor> run(Tensor[] inputs);

    /**
     * Whether a call may also run on a thread that serves other work, a protocol adapter's event
     * loop, when the model has proved fast ({@link ModelScheduler#runFastRequestsInline()}). Only an
     * engine whose calls run in this process, return on their own within their usual time and keep
     * no per-thread state that must live on the scheduler's threads should say true.
     *
     * @return false unless the engine opts in
     */
    default boolean mayRunInline() {
        return false;
    }
}
