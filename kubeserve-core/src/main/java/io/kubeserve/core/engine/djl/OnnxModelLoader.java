package io.kubeserve.core.engine.djl;

import ai.djl.engine.Engine;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.LoadedModel;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
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
 *
 * <p>Stateless and thread-safe. Each {@link #load} returns a model that owns its session and
 * native memory; whoever loaded it closes it.
 */
public final class OnnxModelLoader implements ModelLoader {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OnnxModelLoader.class);

    /** The {@code engine} name model configs use to pick this loader. */
    public static final String ENGINE = "onnxruntime";
    /** Models larger than this keep their ZipMap outputs as OnnxRuntime's maps ({@link #open}). */
    static final long MAX_REWRITTEN_BYTES = 64L << 20;
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
        Map<String, List<Object>> zipMapLabels;
        try (OrtSession.SessionOptions options = sessionOptions(config)) {
            Opened opened = open(source, env, options);
            session = opened.session();
            zipMapLabels = opened.zipMapLabels();
        } catch (OrtException e) {
            throw new KubeServeException(ErrorCode.INVALID_INPUT, "cannot load ONNX model " + source.fileName()
                    + " of '" + source.name() + "' version " + source.version() + ": "
                    + EngineFailures.describeLoadFailure(e.getMessage(), source.modelFile()), e);
        }
        try {
            ModelMetadata metadata = describe(source, session, zipMapLabels);
            OrtSessionRunner runner = new OrtSessionRunner(env, session, metadata, zipMapLabels);
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
        // a run that fails reaches us as an exception, which EngineFailures words and the server logs
        // as it deserves; OnnxRuntime's own ERROR line (native paths included) on stderr for each
        // request a client got wrong would only let clients flood the log
        options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
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

    /**
     * The signature, with the symbolic dimension names the graph declares (also on inputs whose
     * shape the config gives, when the ranks agree), and class labels from the config or else from
     * a ZipMap's string labels, in the model's order.
     */
    private static ModelMetadata describe(ModelSource source, OrtSession session,
                                          Map<String, List<Object>> zipMapLabels) throws OrtException {
        ModelConfig config = source.config();
        List<TensorSpec> declared = specs(session.getInputInfo(), Map.of());
        List<TensorSpec> inputs = config.inputs().isEmpty() ? declared : named(config.inputs(), declared);
        List<TensorSpec> outputs = config.outputs().isEmpty() ? specs(session.getOutputInfo(), zipMapLabels)
                : config.outputs();
        List<String> labels = config.labels();
        if (labels.isEmpty() && zipMapLabels.size() == 1) {
            List<Object> classes = zipMapLabels.values().iterator().next();
            if (!classes.isEmpty() && classes.stream().allMatch(String.class::isInstance)) {
                // string labels have no index to name them by: the column order is the only order
                labels = classes.stream().map(String.class::cast).toList();
            }
        }
        return new ModelMetadata(source.name(), source.version(), PLATFORM, inputs, outputs, labels);
    }

    private static List<TensorSpec> named(List<TensorSpec> configured, List<TensorSpec> declared) {
        List<TensorSpec> named = new ArrayList<>(configured.size());
        for (TensorSpec spec : configured) {
            TensorSpec graph = declared.stream().filter(d -> d.name().equals(spec.name())).findFirst().orElse(null);
            named.add(graph == null ? spec : spec.withDimensionNames(graph.dimensionNames()));
        }
        return named;
    }

    /**
     * The graph's ZipMaps; read only for models that have a ZipMap output. None when the outputs
     * cannot be read either: {@link #describe} then reports that.
     */
    private static ZipMapGraph zipMaps(ModelSource source, OrtSession session) {
        boolean zipMap;
        try {
            zipMap = session.getOutputInfo().values().stream()
                    .anyMatch(node -> node.getInfo() instanceof SequenceInfo sequence && sequence.isSequenceOfMaps());
        } catch (OrtException e) {
            return ZipMapGraph.NONE;
        }
        if (zipMap) {
            try {
                return ZipMapGraph.parse(Files.readAllBytes(source.modelFile()));
            } catch (IOException | RuntimeException e) {
                LOG.warn("model '{}' version {}: cannot read the ZipMap class order from {} ({}); probability "
                        + "columns follow the sorted class labels", source.name(), source.version(), source.fileName(),
                        e.getMessage());
            }
        }
        return ZipMapGraph.NONE;
    }

    /** An open session of a model, and the class labels of the model's ZipMaps by output name. */
    record Opened(OrtSession session, Map<String, List<Object>> zipMapLabels) {
    }

    /**
     * Opens a model from its file; then, when its ZipMap outputs can be float tensors
     * ({@link ZipMapGraph#tensorModel}) and the file holds at most {@value #MAX_REWRITTEN_BYTES}
     * bytes, closes that session and opens the tensor model instead, one session at a time. The
     * file's session again when the tensor model does not open or its outputs are not
     * {@code [rows, classes]} matrices: the served outputs are the same either way, only slower to
     * make. Larger models keep their maps, not to load twice what takes longest to load.
     *
     * @return the session, owned by the caller
     * @throws OrtException when the file's session cannot be opened
     */
    static Opened open(ModelSource source, OrtEnvironment env, OrtSession.SessionOptions options)
            throws OrtException {
        String file = source.modelFile().toString();
        OrtSession session = env.createSession(file, options);
        ZipMapGraph zipMaps = zipMaps(source, session);
        if (zipMaps.tensorOutputs().isEmpty() || size(source) > MAX_REWRITTEN_BYTES) {
            return new Opened(session, zipMaps.labels());
        }
        closeQuietly(session);
        String why;
        try {
            OrtSession tensors = env.createSession(zipMaps.tensorModel(), options);
            why = notMatrices(tensors, zipMaps);
            if (why == null) {
                return new Opened(tensors, zipMaps.labels());
            }
            closeQuietly(tensors);
        } catch (OrtException | RuntimeException e) {
            why = firstLine(e.getMessage());
        }
        LOG.warn("model '{}' version {}: its ZipMap outputs are served from OnnxRuntime's maps, not as tensors ({})",
                source.name(), source.version(), why);
        return new Opened(env.createSession(file, options), zipMaps.labels());
    }

    /** Null when each output that replaces a ZipMap is a {@code [rows, classes]} matrix, else why not. */
    private static String notMatrices(OrtSession tensors, ZipMapGraph zipMaps) throws OrtException {
        Map<String, NodeInfo> outputs = tensors.getOutputInfo();
        for (String name : zipMaps.tensorOutputs()) {
            NodeInfo node = outputs.get(name);
            int classes = zipMaps.labels().get(name).size();
            if (node == null || !(node.getInfo() instanceof TensorInfo tensor) || tensor.getShape().length != 2
                    || (tensor.getShape()[1] != -1 && tensor.getShape()[1] != classes)) {
                return "'" + name + "' would be " + (node == null ? "missing" : node.getInfo())
                        + ", not a matrix of " + classes + " columns";
            }
        }
        return null;
    }

    private static long size(ModelSource source) {
        try {
            return Files.size(source.modelFile());
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> nodes, Map<String, List<Object>> zipMapLabels) {
        List<TensorSpec> specs = new ArrayList<>(nodes.size());
        for (NodeInfo node : nodes.values()) {
            ValueInfo info = node.getInfo();
            if (info instanceof TensorInfo tensor) {
                specs.add(new TensorSpec(node.getName(), OrtTypes.toDataType(tensor.onnxType), tensor.getShape(),
                        Arrays.asList(tensor.getDimensionNames())));
            } else if (info instanceof SequenceInfo sequence && sequence.isSequenceOfMaps()) {
                // a ZipMap: served as [rows, classes] probabilities
                List<Object> classes = zipMapLabels.get(node.getName());
                specs.add(new TensorSpec(node.getName(), DataType.FP32, new long[] {-1, classes == null ? -1 : classes.size()}));
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
