package io.kubeserve.core.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a DJL block (a TorchScript module) on our tensors. Each call has
 * its own {@link NDManager}, closed before returning, so native buffers never outlive the call;
 * both engines allow concurrent forward calls, so no lock is taken.
 *
 * <p>Outputs are named by {@link TorchScriptOutputs}: a dict's tensors by key, the others in order.
 */
final class DjlBlockRunner implements EngineRunner {

    private final Block block;
    private final NDManager manager;
    private final List<TensorSpec> inputs;
    private final TorchScriptOutputs outputs;
    private final String model;

    DjlBlockRunner(Block block, NDManager manager, ModelMetadata metadata) {
        this.block = block;
        this.manager = manager;
        this.inputs = metadata.inputs();
        this.outputs = new TorchScriptOutputs(metadata.name(), metadata.outputs());
        this.model = metadata.name();
    }

    @Override
    public Map<String, Tensor> run(Tensor[] tensors) {
        try (NDManager call = manager.newSubManager()) {
            NDList list = new NDList(tensors.length);
            for (int i = 0; i < tensors.length; i++) {
                list.add(DjlTypes.toNDArray(call, inputs.get(i).name(), tensors[i]));
            }
            NDList results = block.forward(new ParameterStore(call, false), list, false);
            List<String> keys = new ArrayList<>(results.size());
            List<Tensor> returned = new ArrayList<>(results.size());
            for (NDArray result : results) {
                // DJL names a tensor after its key when the module returned a dict
                String key = result.getName();
                keys.add(key == null || key.isEmpty() ? null : key);
                returned.add(DjlTypes.fromNDArray(result));
            }
            return outputs.bind(keys, returned);
        } catch (UnsupportedOperationException e) {
            // DJL reads what the module returned: a dict holding a dict, say, it cannot turn into tensors
            throw KubeServeException.unsupported("TorchScript model '" + model + "' returns a value KubeServe cannot"
                    + " bind to outputs (" + e.getMessage() + "); return a tensor, a tuple or list of tensors, or a"
                    + " Dict[str, Tensor], nested in tuples if need be");
        } catch (RuntimeException e) {
            throw EngineFailures.translate(e);
        }
    }
}
