package io.kubeserve.core.engine.djl;

import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs an ONNX model on the OnnxRuntime Java API: inputs copied once into native buffers, outputs
 * copied once out of OnnxRuntime's, scikit-learn's ZipMap probabilities turned into a
 * {@code [rows, classes]} tensor. {@link OrtSession#run} is safe to call concurrently.
 *
 * <p>Each execution thread keeps a {@link Binding} for the last input shapes it ran: the native
 * input tensors (refilled in place each call) and, once a first run has shown the output shapes,
 * native output tensors that OnnxRuntime writes into ("pinned" outputs: every output of fixed-size
 * elements; string outputs, a classifier's labels say, are still made at each run). Repeated calls of the same
 * shape, the common case under load, so skip creating and describing native tensors through JNI,
 * which a profile showed costing about as much as the small model's own run. A model whose output
 * shape changes with the data makes the pinned run fail; that binding then runs unpinned.
 * {@link #close} frees every thread's binding; call it only when no run is in progress.
 */
final class OrtSessionRunner implements EngineRunner, AutoCloseable {

    /** Bindings of more native memory than this are not kept between calls. */
    private static final long MAX_KEPT_BYTES = 1 << 20;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String[] inputNames;
    private final List<String> outputNames;
    /** The class labels of each ZipMap output in the model's order, by output name. */
    private final Map<String, List<Object>> zipMapLabels;
    /** Outputs that are ZipMaps by the graph's declaration. */
    private final Set<String> zipMapOutputs;
    private final ThreadLocal<Binding> bindings = new ThreadLocal<>();
    private final Set<Binding> open = ConcurrentHashMap.newKeySet();

    OrtSessionRunner(OrtEnvironment env, OrtSession session, ModelMetadata metadata,
                     Map<String, List<Object>> zipMapLabels) {
        this.env = env;
        this.zipMapLabels = Map.copyOf(zipMapLabels);
        this.session = session;
        this.inputNames = metadata.inputs().stream().map(spec -> spec.name()).toArray(String[]::new);
        this.outputNames = List.copyOf(session.getOutputNames());
        this.zipMapOutputs = zipMapOutputs(session);
    }

    /** The outputs the graph declares as a sequence of maps. */
    private static Set<String> zipMapOutputs(OrtSession session) {
        try {
            Set<String> names = new java.util.HashSet<>();
            session.getOutputInfo().forEach((name, node) -> {
                if (node.getInfo() instanceof ai.onnxruntime.SequenceInfo sequence && sequence.isSequenceOfMaps()) {
                    names.add(name);
                }
            });
            return Set.copyOf(names);
        } catch (OrtException e) {
            throw KubeServeException.internal("cannot read the outputs of the ONNX model", e);
        }
    }

    @Override
    public Map<String, Tensor> run(Tensor[] tensors) {
        try {
            Binding binding = binding(tensors);
            return binding == null ? runOnce(tensors) : binding.run(tensors);
        } catch (OrtException | RuntimeException e) {
            throw EngineFailures.translate(e);
        }
    }

    /**
     * True: a run is an in-process ONNX Runtime call on the caller's thread, and a thread's binding
     * (at most {@value #MAX_KEPT_BYTES} bytes) is freed by {@link #close} whichever thread made it.
     */
    @Override
    public boolean mayRunInline() {
        return true;
    }

    /** This thread's binding for these input shapes, made anew if they changed; null: not kept. */
    private Binding binding(Tensor[] tensors) throws OrtException {
        Binding binding = bindings.get();
        if (binding != null && binding.matches(tensors)) {
            return binding;
        }
        if (binding != null) {
            bindings.remove();
            open.remove(binding);
            binding.close();
        }
        long bytes = 0;
        for (Tensor tensor : tensors) {
            if (!tensor.type().isFixedSize() || (tensor.type().isUnsigned() && tensor.type() != DataType.UINT8)) {
                return null;
            }
            bytes += tensor.byteSize();
        }
        if (bytes > MAX_KEPT_BYTES) {
            return null;
        }
        binding = new Binding(tensors);
        bindings.set(binding);
        open.add(binding);
        return binding;
    }

    /** A call without a kept binding: native tensors made for it and closed after. */
    private Map<String, Tensor> runOnce(Tensor[] tensors) throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>(tensors.length * 2);
        try {
            for (int i = 0; i < tensors.length; i++) {
                Tensor tensor = tensors[i];
                ByteBuffer direct = tensor.type().isFixedSize() ? ByteBuffer.allocateDirect((int) tensor.byteSize()) : null;
                feeds.put(inputNames[i], OrtTypes.toOrt(env, tensor, direct));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                return convert(result);
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private Map<String, Tensor> convert(OrtSession.Result result) throws OrtException {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> entry : result) {
            outputs.put(entry.getKey(), convert(entry.getKey(), entry.getValue()));
        }
        return outputs;
    }

    private Tensor convert(String name, OnnxValue value) throws OrtException {
        if (value instanceof OnnxTensor tensor) {
            return OrtTypes.fromOrt(tensor);
        }
        if (value instanceof OnnxSequence sequence && zipMapOutputs.contains(name)) {
            // an empty sequence (zero rows) carries no element type: known as a ZipMap by the graph
            return sequence.getInfo().length == 0 ? ZipMapOutputs.noRows(zipMapLabels.get(name))
                    : ZipMapOutputs.toProbabilities(sequence, zipMapLabels.get(name));
        }
        throw KubeServeException.unsupported("output '" + name + "' has a type KubeServe cannot serve: "
                + value.getInfo());
    }

    @Override
    public void close() {
        for (Binding binding : open) {
            binding.close();
        }
        open.clear();
    }

    /** One thread's native tensors for one set of input shapes. Used by that thread only. */
    private final class Binding {
        final long[][] shapes;
        final DataType[] types;
        final ByteBuffer[] inputBuffers;
        final Map<String, OnnxTensor> feeds = new HashMap<>();
        /** Null until a run has shown the outputs, or for good when none can be pinned. */
        Map<String, OnnxTensor> pinned;
        /** The outputs OnnxRuntime makes at each run beside the pinned ones. */
        Set<String> unpinned = Set.of();
        DataType[] outputTypes;
        long[][] outputShapes;
        boolean pinnable = true;

        Binding(Tensor[] tensors) throws OrtException {
            shapes = new long[tensors.length][];
            types = new DataType[tensors.length];
            inputBuffers = new ByteBuffer[tensors.length];
            try {
                for (int i = 0; i < tensors.length; i++) {
                    Tensor tensor = tensors[i];
                    shapes[i] = tensor.shape();
                    types[i] = tensor.type();
                    inputBuffers[i] = ByteBuffer.allocateDirect((int) tensor.byteSize());
                    feeds.put(inputNames[i], OrtTypes.toOrt(env, tensor, inputBuffers[i]));
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        boolean matches(Tensor[] tensors) {
            for (int i = 0; i < tensors.length; i++) {
                if (tensors[i].type() != types[i] || !Arrays.equals(tensors[i].shape(), shapes[i])) {
                    return false;
                }
            }
            return true;
        }

        Map<String, Tensor> run(Tensor[] tensors) throws OrtException {
            for (int i = 0; i < tensors.length; i++) {
                ByteBuffer buffer = inputBuffers[i].clear().order(ByteOrder.nativeOrder());
                OrtTypes.copyLittleEndian(tensors[i].data(), buffer, tensors[i].type().byteSize());
            }
            if (pinned != null) {
                try (OrtSession.Result rest = session.run(feeds, unpinned, pinned)) {
                    return readPinned(rest);
                } catch (OrtException e) {
                    // the output shapes depend on the data, not only on the input shapes
                    unpin();
                    pinnable = false;
                }
            }
            try (OrtSession.Result result = session.run(feeds)) {
                if (pinnable) {
                    pin(result);
                }
                return convert(result);
            }
        }

        /**
         * Native output tensors shaped as this run's outputs, for each output that is a tensor of
         * fixed-size elements; the others (strings, a ZipMap served from its maps) are left to
         * OnnxRuntime to make at each run. None when no output can be pinned.
         */
        private void pin(OrtSession.Result result) throws OrtException {
            pinnable = false;
            Map<String, OnnxTensor> made = new LinkedHashMap<>();
            Set<String> left = new java.util.HashSet<>();
            DataType[] madeTypes = new DataType[outputNames.size()];
            long[][] madeShapes = new long[outputNames.size()][];
            long bytes = 0;
            try {
                for (int i = 0; i < outputNames.size(); i++) {
                    String name = outputNames.get(i);
                    OnnxValue value = result.get(name).orElse(null);
                    DataType type = value instanceof OnnxTensor tensor ? OrtTypes.toDataType(tensor.getInfo().onnxType)
                            : null;
                    if (type == null || !type.isFixedSize() || (type.isUnsigned() && type != DataType.UINT8)) {
                        left.add(name);
                        continue;
                    }
                    long[] shape = ((OnnxTensor) value).getInfo().getShape();
                    long size = (long) Tensor.elementCount(shape) * type.byteSize();
                    bytes += size;
                    if (bytes > MAX_KEPT_BYTES) {
                        return;
                    }
                    madeTypes[i] = type;
                    madeShapes[i] = shape;
                    Tensor zeros = Tensor.of(type, shape, Tensor.allocate(type, Tensor.elementCount(shape)));
                    made.put(name, OrtTypes.toOrt(env, zeros, ByteBuffer.allocateDirect((int) size)));
                }
                if (made.isEmpty()) {
                    return;
                }
                pinned = made;
                unpinned = Set.copyOf(left);
                outputTypes = madeTypes;
                outputShapes = madeShapes;
                pinnable = true;
            } finally {
                if (pinned != made) {
                    made.values().forEach(OnnxTensor::close);
                }
            }
        }

        /** The outputs in the graph's order: the pinned ones copied out, the others from {@code rest}. */
        private Map<String, Tensor> readPinned(OrtSession.Result rest) throws OrtException {
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (int i = 0; i < outputNames.size(); i++) {
                String name = outputNames.get(i);
                OnnxTensor tensor = pinned.get(name);
                if (tensor == null) {
                    outputs.put(name, convert(name, rest.get(name).orElseThrow()));
                    continue;
                }
                ByteBuffer source = ((ByteBuffer) tensor.getBufferRef().orElseThrow()).duplicate()
                        .clear().order(ByteOrder.nativeOrder());
                ByteBuffer copy = ByteBuffer.allocate(source.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                OrtTypes.copyLittleEndian(source, copy, outputTypes[i].byteSize());
                outputs.put(name, Tensor.of(outputTypes[i], outputShapes[i], copy.flip()));
            }
            return outputs;
        }

        private void unpin() {
            if (pinned != null) {
                pinned.values().forEach(OnnxTensor::close);
                pinned = null;
            }
        }

        void close() {
            unpin();
            feeds.values().forEach(OnnxTensor::close);
            feeds.clear();
        }
    }
}
