package io.kubeserve.core.engine.djl;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.LoadedModel;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.engine.Warmup;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads TorchScript files ({@code .pt}, {@code .pth}, {@code .torchscript}) on DJL's PyTorch engine.
 *
 * <p>TorchScript carries no input signature, so inputs come from the model config; without one
 * the model takes a single FP32 tensor named {@code input} of any rank-2 shape. What the module
 * returns is bound to the config's outputs by {@link TorchScriptOutputs} (a dict by key, a tuple or
 * list in order), and checked against them once at load when the inputs' shapes allow a run.
 *
 * <p>Stateless and thread-safe. Each {@link #load} returns a model that owns its DJL model and
 * native memory; whoever loaded it closes it.
 */
public final class TorchScriptModelLoader implements ModelLoader {

    /** The {@code engine} name model configs use to pick this loader. */
    public static final String ENGINE = "pytorch";
    static final String PLATFORM = "pytorch_libtorch";
    /** The load error's reason when DJL's PyTorch engine is not on the class path. */
    static final String NO_PYTORCH = "this build has no PyTorch engine: use the full image/jar";

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public boolean supports(ModelSource source) {
        String name = source.fileName();
        return name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript");
    }

    @Override
    public io.kubeserve.core.spi.Model load(ModelSource source) {
        DjlRuntime.configure();
        // The ONNX-only jar and image leave DJL's PyTorch engine out: say so, and touch none of it.
        if (!ai.djl.engine.Engine.hasEngine("PyTorch")) {
            throw new KubeServeException(ErrorCode.UNSUPPORTED, "cannot load TorchScript model " + source.fileName()
                    + " of '" + source.name() + "' version " + source.version() + ": " + NO_PYTORCH);
        }
        ModelConfig config = source.config();
        ai.djl.Device device = DjlRuntime.toDjl(config.device());
        Model model = Model.newInstance(source.name(), device, "PyTorch");
        try {
            Path file = source.modelFile();
            String fileName = source.fileName();
            String prefix = fileName.substring(0, fileName.lastIndexOf('.'));
            model.load(file.getParent(), prefix, Map.of("mapLocation", "true"));
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new KubeServeException(ErrorCode.INVALID_INPUT, "cannot load TorchScript model " + source.fileName()
                    + " of '" + source.name() + "' version " + source.version() + ": "
                    + OnnxModelLoader.firstLine(e.getMessage()), e);
        }
        List<TensorSpec> inputs = config.inputs().isEmpty()
                ? List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, -1}))
                : config.inputs();
        ModelMetadata metadata = new ModelMetadata(source.name(), source.version(), PLATFORM, inputs,
                config.outputs(), config.labels());
        try {
            if (metadata.outputs().isEmpty() && Warmup.possible(metadata)) {
                metadata = withDiscoveredOutputs(metadata,
                        new DjlBlockRunner(model.getBlock(), model.getNDManager(), metadata));
            } else if (Warmup.possible(metadata)) {
                checkDeclaredOutputs(source, metadata, new DjlBlockRunner(model.getBlock(), model.getNDManager(), metadata));
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        EnginePredictor predictor = EnginePredictor.scheduled(metadata,
                new DjlBlockRunner(model.getBlock(), model.getNDManager(), metadata), config);
        return new LoadedModel(EnginePredictor.served(metadata), predictor, predictor::close, model::close);
    }

    /**
     * The config's outputs are all clients are told, so they must be what the module returns: run
     * zeros once, which binds the result to them ({@link TorchScriptOutputs}) and fails on a name,
     * count, datatype or rank that does not match.
     */
    private static void checkDeclaredOutputs(ModelSource source, ModelMetadata metadata, EngineRunner runner) {
        Tensor[] zeros = Warmup.zeros(metadata).inputs().values().toArray(Tensor[]::new);
        try {
            runner.run(zeros);
        } catch (KubeServeException e) {
            if (e.code() == ErrorCode.INVALID_INPUT) {
                // the module refused the zeros the declared inputs describe: that is for warm-up to report
                return;
            }
            throw new KubeServeException(ErrorCode.INVALID_INPUT, "cannot load TorchScript model " + source.fileName()
                    + " of '" + source.name() + "' version " + source.version() + ": " + e.getMessage(), e);
        }
    }

    /** TorchScript does not declare its outputs: run zeros once and describe what comes back. */
    private static ModelMetadata withDiscoveredOutputs(ModelMetadata metadata, EngineRunner runner) {
        Tensor[] zeros = Warmup.zeros(metadata).inputs().values().toArray(Tensor[]::new);
        boolean batched = metadata.inputs().get(0).hasBatchDimension();
        List<TensorSpec> outputs = new ArrayList<>();
        for (Map.Entry<String, Tensor> output : runner.run(zeros).entrySet()) {
            long[] shape = output.getValue().shape();
            if (batched && shape.length > 0) {
                shape[0] = -1;
            }
            outputs.add(new TensorSpec(output.getKey(), output.getValue().type(), shape));
        }
        return new ModelMetadata(metadata.name(), metadata.version(), metadata.platform(), metadata.inputs(),
                outputs, metadata.classLabels());
    }
}
