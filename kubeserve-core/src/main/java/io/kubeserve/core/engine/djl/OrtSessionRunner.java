package io.kubeserve.core.engine.djl;

import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an ONNX model on the OnnxRuntime Java API: inputs copied once into reused native buffers,
 * outputs copied once out of OnnxRuntime's, scikit-learn's ZipMap probabilities turned into a
 * {@code [rows, classes]} tensor. Input tensors and results are closed within the call;
 * {@link OrtSession#run} is safe to call concurrently.
 */
final class OrtSessionRunner implements EngineRunner {

    private static final long MAX_KEPT_BYTES = 1 << 20;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String[] inputNames;
    /**
     * Each thread's native input buffers, reused call after call: OnnxRuntime reads inputs from
     * them in place, and they are free again once the call's tensors are closed.
     */
    private final ThreadLocal<ByteBuffer[]> scratch;

    OrtSessionRunner(OrtEnvironment env, OrtSession session, ModelMetadata metadata) {
        this.env = env;
        this.session = session;
        this.inputNames = metadata.inputs().stream().map(spec -> spec.name()).toArray(String[]::new);
        this.scratch = ThreadLocal.withInitial(() -> new ByteBuffer[inputNames.length]);
    }

    /** A direct buffer of at least {@code bytes} for input {@code index}; big ones are not kept. */
    private ByteBuffer buffer(int index, long bytes) {
        ByteBuffer[] buffers = scratch.get();
        ByteBuffer buffer = buffers[index];
        if (buffer != null && buffer.capacity() >= bytes) {
            return buffer;
        }
        buffer = ByteBuffer.allocateDirect((int) bytes);
        if (bytes <= MAX_KEPT_BYTES) {
            buffers[index] = buffer;
        }
        return buffer;
    }

    @Override
    public Map<String, Tensor> run(Tensor[] tensors) {
        Map<String, OnnxTensor> feeds = new HashMap<>(tensors.length * 2);
        try {
            for (int i = 0; i < tensors.length; i++) {
                Tensor tensor = tensors[i];
                ByteBuffer direct = tensor.type().isFixedSize() ? buffer(i, tensor.byteSize()) : null;
                feeds.put(inputNames[i], OrtTypes.toOrt(env, tensor, direct));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                Map<String, Tensor> outputs = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> entry : result) {
                    outputs.put(entry.getKey(), convert(entry.getKey(), entry.getValue()));
                }
                return outputs;
            }
        } catch (OrtException | RuntimeException e) {
            throw EngineFailures.translate(e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static Tensor convert(String name, OnnxValue value) throws OrtException {
        if (value instanceof OnnxTensor tensor) {
            return OrtTypes.fromOrt(tensor);
        }
        if (value instanceof OnnxSequence sequence && sequence.getInfo().isSequenceOfMaps()) {
            return ZipMapOutputs.toProbabilities(sequence);
        }
        throw KubeServeException.unsupported("output '" + name + "' has a type KubeServe cannot serve: "
                + value.getInfo());
    }

}
