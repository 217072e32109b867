package io.kubeserve.core.engine;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a model once on zeros before it is reported ready. Engines do their expensive first-call
 * work lazily (PyTorch's profiling executor can stall for seconds), and that must not land on a
 * client's request. Stateless and thread-safe.
 */
public final class Warmup {

    private Warmup() {
    }

    /**
     * Whether a warm-up request can be built: every input has a known shape apart from its batch
     * dimension.
     *
     * @param metadata the model's declared inputs
     * @return true when the model has inputs and none has another variable dimension
     */
    public static boolean possible(ModelMetadata metadata) {
        for (TensorSpec spec : metadata.inputs()) {
            long[] shape = spec.shape();
            for (int i = spec.hasBatchDimension() ? 1 : 0; i < shape.length; i++) {
                if (shape[i] < 0) {
                    return false;
                }
            }
        }
        return !metadata.inputs().isEmpty();
    }

    /**
     * A request of zeros (empty strings for BYTES), one row where the batch size is free.
     *
     * @param metadata the model's declared inputs; call only when {@link #possible} is true
     * @return a request with one all-zero tensor per input, in model order
     * @throws io.kubeserve.core.error.KubeServeException {@code INVALID_INPUT} when an input still
     *         has a variable dimension past the first
     */
    public static InferenceRequest zeros(ModelMetadata metadata) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : metadata.inputs()) {
            long[] shape = EnginePredictor.warmupShape(spec);
            int count = Tensor.elementCount(shape);
            Tensor tensor = spec.type() == DataType.BYTES
                    ? Tensor.ofBytes(shape, new byte[count][0])
                    : Tensor.of(spec.type(), shape, Tensor.allocate(spec.type(), count));
            inputs.put(spec.name(), tensor);
        }
        return InferenceRequest.of(inputs);
    }

    /**
     * Runs the zero request a few times on the calling thread; failures propagate, so a model that
     * cannot run never gets ready.
     *
     * @param metadata  the model's declared inputs
     * @param predictor what to run it on, normally {@link io.kubeserve.core.spi.Model#warmupPredictor()}
     * @param rounds    how many calls, zero or more
     * @throws io.kubeserve.core.error.KubeServeException whatever the predictor fails with (see
     *         {@link Predictor})
     */
    public static void run(ModelMetadata metadata, Predictor predictor, int rounds) {
        InferenceRequest request = zeros(metadata);
        for (int i = 0; i < rounds; i++) {
            predictor.predict(request);
        }
    }
}
