package io.kubeserve.core.engine.djl;

import ai.djl.engine.Engine;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.LoadedModel;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads {@code .onnx} files on OnnxRuntime.
 *
 * <p>DJL's OnnxRuntime engine loads the natives and owns the environment; one {@link OrtSession}
 * is opened per model version and run on the OnnxRuntime Java API directly ({@link OrtSessionRunner}).
 * That gives exact input and output types (DJL reports names and shapes only), serves scikit-learn's
 * ZipMap probabilities (which DJL mangles), and skips DJL's per-call {@code NDManager} and
 * {@code NDArray} wrapping, which cost more CPU than the OnnxRuntime call itself for small models.
 */
public final class OnnxModelLoader implements ModelLoader {

    public static final String ENGINE = "onnxruntime";
    static final String PLATFORM = "onnxruntime_onnx";

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public boolean supports(ModelSource source) {
        return source.fileName().endsWith(".onnx");
    }

    @Override
    public Model load(ModelSource source) {
        DjlRuntime.configure();
        ModelConfig config = source.config();
        DjlRuntime.toDjl(config.device());
        // DJL's engine creates the process's one OrtEnvironment (with its thread settings); it
        // must come first, or DJL cannot start later
        Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = sessionOptions(config)) {
            session = env.createSession(source.modelFile().toString(), options);
        } catch (OrtException e) {
            throw new KubeServeException(ErrorCode.INVALID_INPUT, "cannot load ONNX model " + source.fileName()
                    + " of '" + source.name() + "' version " + source.version() + ": " + firstLine(e.getMessage()), e);
        }
        try {
            ModelMetadata metadata = describe(source, session);
            OrtSessionRunner runner = new OrtSessionRunner(env, session, metadata);
            EnginePredictor predictor = EnginePredictor.scheduled(metadata, runner, config);
            // the scheduler first (its executions finish), then the runner's kept tensors, then the session
            return new LoadedModel(EnginePredictor.served(metadata), predictor, predictor::close, runner::close,
                    session::close);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            if (e instanceof KubeServeException kse) {
                throw kse;
            }
            throw KubeServeException.internal("cannot read the signature of " + source.fileName() + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(ModelConfig config) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // cores are shared out among the model's parallel executions, so they do not oversubscribe
        options.setIntraOpNumThreads(config.effectiveIntraOpThreads());
        if (config.interOpThreads() > 0) {
            options.setInterOpNumThreads(config.interOpThreads());
        }
        if (config.device().gpu()) {
            options.addCUDA(config.device().index());
        }
        return options;
    }

    private static ModelMetadata describe(ModelSource source, OrtSession session) throws OrtException {
        ModelConfig config = source.config();
        List<TensorSpec> inputs = config.inputs().isEmpty() ? specs(session.getInputInfo()) : config.inputs();
        List<TensorSpec> outputs = config.outputs().isEmpty() ? specs(session.getOutputInfo()) : config.outputs();
        return new ModelMetadata(source.name(), source.version(), PLATFORM, inputs, outputs, config.labels());
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
        List<TensorSpec> specs = new ArrayList<>(nodes.size());
        for (NodeInfo node : nodes.values()) {
            ValueInfo info = node.getInfo();
            if (info instanceof TensorInfo tensor) {
                specs.add(new TensorSpec(node.getName(), OrtTypes.toDataType(tensor.onnxType), tensor.getShape()));
            } else if (info instanceof SequenceInfo sequence && sequence.isSequenceOfMaps()) {
                // a ZipMap: served as [rows, classes] probabilities
                specs.add(new TensorSpec(node.getName(), DataType.FP32, new long[] {-1, -1}));
            } else {
                throw KubeServeException.unsupported("output '" + node.getName() + "' has type " + info
                        + ", which KubeServe cannot serve");
            }
        }
        return specs;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException | RuntimeException ignored) {
            // already failing; the original error matters more
        }
    }
}
