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
 * client's request.
 */
public final class Warmup {

    private Warmup() {
    }

    /** Whether every input has a known shape apart from its batch dimension. */
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

    /** A request of zeros (empty strings for BYTES), one row where the batch size is free. */
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

    /** Runs the zero request a few times; failures propagate, so a model that cannot run never gets ready. */
    public static void run(ModelMetadata metadata, Predictor predictor, int rounds) {
        InferenceRequest request = zeros(metadata);
        for (int i = 0; i < rounds; i++) {
            predictor.predict(request);
        }
    }
}
