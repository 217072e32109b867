package io.kubeserve.core.engine.djl;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a DJL block (a TorchScript module) on our tensors. Each call has
 * its own {@link NDManager}, closed before returning, so native buffers never outlive the call;
 * both engines allow concurrent forward calls, so no lock is taken.
 *
 * <p>Outputs are named after the model's declared outputs, in order; extra ones (TorchScript
 * declares none) are {@code output}, {@code output1}, ...
 */
final class DjlBlockRunner implements EngineRunner {

    private final Block block;
    private final NDManager manager;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;

    DjlBlockRunner(Block block, NDManager manager, ModelMetadata metadata) {
        this.block = block;
        this.manager = manager;
        this.inputs = metadata.inputs();
        this.outputs = metadata.outputs();
    }

    @Override
    public Map<String, Tensor> run(Tensor[] tensors) {
        try (NDManager call = manager.newSubManager()) {
            NDList list = new NDList(tensors.length);
            for (int i = 0; i < tensors.length; i++) {
                list.add(DjlTypes.toNDArray(call, inputs.get(i).name(), tensors[i]));
            }
            NDList results = block.forward(new ParameterStore(call, false), list, false);
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (int i = 0; i < results.size(); i++) {
                String name = i < outputs.size() ? outputs.get(i).name() : (i == 0 ? "output" : "output" + i);
                named.put(name, DjlTypes.fromNDArray(results.get(i)));
            }
            return named;
        } catch (RuntimeException e) {
            throw EngineFailures.translate(e);
        }
    }
}
