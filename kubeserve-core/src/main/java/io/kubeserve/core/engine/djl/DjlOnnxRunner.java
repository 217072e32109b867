package io.kubeserve.core.engine.djl;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.onnxruntime.engine.OrtSymbolBlock;
import ai.djl.training.ParameterStore;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an ONNX model with tensor outputs through DJL's OnnxRuntime engine. Each call has its own
 * {@link NDManager}, closed before returning, so native buffers never outlive the call; the
 * session underneath allows concurrent runs, so no lock is taken.
 */
final class DjlOnnxRunner implements EngineRunner {

    private final OrtSymbolBlock block;
    private final NDManager manager;
    private final List<TensorSpec> inputs;
    private final String[] outputNames;

    DjlOnnxRunner(OrtSymbolBlock block, NDManager manager, ModelMetadata metadata) {
        this.block = block;
        this.manager = manager;
        this.inputs = metadata.inputs();
        this.outputNames = metadata.outputs().stream().map(TensorSpec::name).toArray(String[]::new);
    }

    @Override
    public Map<String, Tensor> run(Tensor[] tensors) {
        try (NDManager call = manager.newSubManager()) {
            NDList list = new NDList(tensors.length);
            for (int i = 0; i < tensors.length; i++) {
                list.add(DjlTypes.toNDArray(call, inputs.get(i).name(), tensors[i]));
            }
            NDList results = block.forward(new ParameterStore(call, false), list, false);
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (int i = 0; i < results.size(); i++) {
                String name = i < outputNames.length ? outputNames[i] : "output" + i;
                outputs.put(name, DjlTypes.fromNDArray(results.get(i)));
            }
            results.close();
            return outputs;
        } catch (RuntimeException e) {
            throw EngineFailures.translate(e);
        }
    }
}
