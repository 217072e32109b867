package io.kubeserve.core.engine.djl;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ZipMap nodes of an ONNX graph, as scikit-learn's converters end a classifier with: a
 * {@code [rows, classes]} float tensor turned into one map per row, class label to probability
 * ({@code ai.onnx.ml} ZipMap). Read from the model's protobuf, walking only
 * {@code ModelProto.graph.node}, {@code .output} and {@code .opset_import} (onnx.proto's field
 * numbers), as unknown fields: no generated ONNX classes.
 *
 * <p>Two uses:
 * <ul>
 *   <li>{@link #labels()}: each ZipMap's class labels in the node's own order, by the name of the
 *       output it writes. OnnxRuntime's Java API exposes no graph nodes, and the native map it
 *       returns is sorted by key, so the column order comes from here.</li>
 *   <li>{@link #tensorModel()}: the same model with each ZipMap that writes a graph output replaced
 *       by an {@code Identity} of its input, the output then declared {@code float [rows, classes]}.
 *       OnnxRuntime's Java API builds a ZipMap result through JNI at every run (one map object per
 *       row, every key and value boxed, classes looked up by name) and cannot write it into kept
 *       buffers; the tensor it replaces it with holds the same numbers in the same column order,
 *       which is what KubeServe serves for a ZipMap anyway.</li>
 * </ul>
 *
 * <p>Labels are {@link String}s ({@code classlabels_strings}) or {@link Long}s
 * ({@code classlabels_int64s}), the key types of the maps OnnxRuntime returns. Immutable.
 */
final class ZipMapGraph {

    // field numbers of onnx.proto
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int OPSET_DOMAIN = 1;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INTS = 8;
    private static final int ATTRIBUTE_STRINGS = 9;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_ELEM_TYPE = 1;
    private static final int TENSOR_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    /** TensorProto.DataType FLOAT: ZipMap's input type, the only one it takes. */
    private static final int FLOAT = 1;
    private static final String ML_DOMAIN = "ai.onnx.ml";

    /** A graph without ZipMaps. */
    static final ZipMapGraph NONE = new ZipMapGraph(Map.of(), null);

    private final Map<String, List<Object>> labels;
    /** What {@link #tensorModel} is made of; null when no ZipMap can be replaced. */
    private final Replacement replacement;

    private ZipMapGraph(Map<String, List<Object>> labels, Replacement replacement) {
        this.labels = Map.copyOf(labels);
        this.replacement = replacement;
    }

    /** The model's and the graph's fields, and the ZipMap nodes to replace: output name by node index. */
    private record Replacement(UnknownFieldSet model, UnknownFieldSet graph, Map<Integer, String> zipMapOutputs) {

        /** The model with those nodes turned into Identities and their outputs into float matrices. */
        byte[] apply(Map<String, List<Object>> labels) throws IOException {
            List<ByteString> nodes = graph.getField(GRAPH_NODE).getLengthDelimitedList();
            UnknownFieldSet.Field.Builder newNodes = UnknownFieldSet.Field.newBuilder();
            for (int i = 0; i < nodes.size(); i++) {
                String output = zipMapOutputs.get(i);
                newNodes.addLengthDelimited(output == null ? nodes.get(i) : identity(fields(nodes.get(i)), output));
            }
            UnknownFieldSet.Field.Builder newOutputs = UnknownFieldSet.Field.newBuilder();
            for (ByteString output : graph.getField(GRAPH_OUTPUT).getLengthDelimitedList()) {
                String name = string(fields(output), VALUE_INFO_NAME);
                newOutputs.addLengthDelimited(zipMapOutputs.containsValue(name)
                        ? floatMatrix(name, labels.get(name).size()) : output);
            }
            UnknownFieldSet newGraph = UnknownFieldSet.newBuilder(graph)
                    .clearField(GRAPH_NODE).addField(GRAPH_NODE, newNodes.build())
                    .clearField(GRAPH_OUTPUT).addField(GRAPH_OUTPUT, newOutputs.build())
                    .build();
            return UnknownFieldSet.newBuilder(model)
                    .clearField(MODEL_GRAPH)
                    .addField(MODEL_GRAPH, lengthDelimited(newGraph.toByteString()))
                    .build().toByteArray();
        }
    }

    /**
     * Reads a model.
     *
     * @param model the bytes of an ONNX {@code ModelProto}; not changed, and kept (not copied) by the
     *              result until {@link #tensorModel} is made
     * @return its ZipMaps; without any when the graph has none
     * @throws IOException when the bytes are not a protobuf message
     */
    static ZipMapGraph parse(byte[] model) throws IOException {
        // wrapped, not copied: nothing here writes to the array
        UnknownFieldSet modelFields = fields(UnsafeByteOperations.unsafeWrap(model));
        List<ByteString> graphs = modelFields.getField(MODEL_GRAPH).getLengthDelimitedList();
        if (graphs.isEmpty()) {
            return NONE;
        }
        // a message field written more than once is merged, as parsing the parts run together is
        UnknownFieldSet graph = fields(graphs.stream().reduce(ByteString.EMPTY, ByteString::concat));
        List<ByteString> nodes = graph.getField(GRAPH_NODE).getLengthDelimitedList();
        Map<String, List<Object>> labels = new HashMap<>();
        Map<Integer, String> zipMapOutputs = new HashMap<>();
        Set<String> consumed = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            UnknownFieldSet node = fields(nodes.get(i));
            List<String> inputs = strings(node, NODE_INPUT);
            consumed.addAll(inputs);
            List<String> outputs = strings(node, NODE_OUTPUT);
            if (!"ZipMap".equals(string(node, NODE_OP_TYPE)) || outputs.isEmpty()) {
                continue;
            }
            List<Object> classes = classLabels(node);
            if (classes != null) {
                labels.put(outputs.get(0), List.copyOf(classes));
                if (ML_DOMAIN.equals(string(node, NODE_DOMAIN)) && outputs.size() == 1
                        && inputs.size() == 1 && !classes.isEmpty()) {
                    zipMapOutputs.put(i, outputs.get(0));
                }
            }
        }
        zipMapOutputs.values().removeIf(consumed::contains);
        Set<String> graphOutputs = new HashSet<>();
        for (ByteString output : graph.getField(GRAPH_OUTPUT).getLengthDelimitedList()) {
            graphOutputs.add(string(fields(output), VALUE_INFO_NAME));
        }
        zipMapOutputs.values().retainAll(graphOutputs);
        return new ZipMapGraph(labels, zipMapOutputs.isEmpty() || !importsDefaultDomain(modelFields) ? null
                : new Replacement(modelFields, graph, Map.copyOf(zipMapOutputs)));
    }

    /**
     * The class labels of each ZipMap, by output name.
     *
     * @return immutable; empty when the graph has no ZipMap with labels
     */
    Map<String, List<Object>> labels() {
        return labels;
    }

    /**
     * Makes the model with its ZipMap outputs as float tensors: a new array, about the model's size.
     *
     * @return a new {@code ModelProto}, or null when no ZipMap can be replaced (none writes a graph
     *         output alone, or the model imports no default-domain opset for {@code Identity})
     */
    byte[] tensorModel() {
        if (replacement == null) {
            return null;
        }
        try {
            return replacement.apply(labels);
        } catch (IOException e) {
            // every node was parsed once already, by parse
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The outputs that {@link #tensorModel} declares as {@code float [?, classes]} instead of a
     * ZipMap. OnnxRuntime reads a ZipMap's 1-D input as one row, while the Identity in its place
     * gives the input's own shape: whoever opens the tensor model checks that these are matrices,
     * or keeps the model as it is.
     *
     * @return immutable; empty when {@link #tensorModel} is null
     */
    Set<String> tensorOutputs() {
        return replacement == null ? Set.of() : Set.copyOf(replacement.zipMapOutputs().values());
    }

    /** {@code Identity(input) -> output}, named as the ZipMap was. */
    private static ByteString identity(UnknownFieldSet zipMap, String output) {
        UnknownFieldSet.Builder node = UnknownFieldSet.newBuilder()
                .addField(NODE_INPUT, lengthDelimited(zipMap.getField(NODE_INPUT).getLengthDelimitedList().get(0)))
                .addField(NODE_OUTPUT, lengthDelimited(ByteString.copyFromUtf8(output)))
                .addField(NODE_OP_TYPE, lengthDelimited(ByteString.copyFromUtf8("Identity")));
        if (zipMap.hasField(NODE_NAME)) {
            node.addField(NODE_NAME, zipMap.getField(NODE_NAME));
        }
        return node.build().toByteString();
    }

    /** {@code ValueInfoProto}: name, {@code float [?, classes]}. */
    private static ByteString floatMatrix(String name, int classes) {
        UnknownFieldSet rows = UnknownFieldSet.newBuilder().build();
        UnknownFieldSet columns = UnknownFieldSet.newBuilder()
                .addField(DIM_VALUE, UnknownFieldSet.Field.newBuilder().addVarint(classes).build()).build();
        UnknownFieldSet shape = UnknownFieldSet.newBuilder()
                .addField(SHAPE_DIM, UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(rows.toByteString()).addLengthDelimited(columns.toByteString()).build())
                .build();
        UnknownFieldSet tensor = UnknownFieldSet.newBuilder()
                .addField(TENSOR_ELEM_TYPE, UnknownFieldSet.Field.newBuilder().addVarint(FLOAT).build())
                .addField(TENSOR_SHAPE, lengthDelimited(shape.toByteString()))
                .build();
        UnknownFieldSet type = UnknownFieldSet.newBuilder()
                .addField(TYPE_TENSOR, lengthDelimited(tensor.toByteString())).build();
        return UnknownFieldSet.newBuilder()
                .addField(VALUE_INFO_NAME, lengthDelimited(ByteString.copyFromUtf8(name)))
                .addField(VALUE_INFO_TYPE, lengthDelimited(type.toByteString()))
                .build().toByteString();
    }

    /** Whether an {@code opset_import} names the default domain (absent or empty), where Identity is. */
    private static boolean importsDefaultDomain(UnknownFieldSet modelFields) throws IOException {
        for (ByteString opset : modelFields.getField(MODEL_OPSET_IMPORT).getLengthDelimitedList()) {
            if (string(fields(opset), OPSET_DOMAIN).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The values of the node's {@code classlabels_strings} or {@code classlabels_int64s}, else null. */
    private static List<Object> classLabels(UnknownFieldSet node) throws IOException {
        for (ByteString attributeBytes : node.getField(NODE_ATTRIBUTE).getLengthDelimitedList()) {
            UnknownFieldSet attribute = fields(attributeBytes);
            String name = string(attribute, ATTRIBUTE_NAME);
            if ("classlabels_strings".equals(name)) {
                return new ArrayList<>(strings(attribute, ATTRIBUTE_STRINGS));
            }
            if ("classlabels_int64s".equals(name)) {
                return int64s(attributeBytes);
            }
        }
        return null;
    }

    /**
     * The attribute's {@code ints}, in the order written: read from the wire, since unknown fields
     * keep a field's unpacked values apart from its packed runs, and a writer may mix the two.
     */
    private static List<Object> int64s(ByteString attribute) throws IOException {
        List<Object> values = new ArrayList<>();
        CodedInputStream in = attribute.newCodedInput();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) != ATTRIBUTE_INTS) {
                in.skipField(tag);
            } else if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                values.add(in.readInt64());
            } else if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (!in.isAtEnd()) {
                    values.add(in.readInt64());
                }
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return values;
    }

    private static UnknownFieldSet fields(ByteString message) throws IOException {
        CodedInputStream in = message.newCodedInput();
        // fields of large models (initializers, tree attributes) alias the bytes read, uncopied
        in.enableAliasing(true);
        return UnknownFieldSet.newBuilder().mergeFrom(in).build();
    }

    private static String string(UnknownFieldSet message, int field) {
        List<ByteString> values = message.getField(field).getLengthDelimitedList();
        return values.isEmpty() ? "" : values.get(0).toStringUtf8();
    }

    private static List<String> strings(UnknownFieldSet message, int field) {
        return message.getField(field).getLengthDelimitedList().stream().map(ByteString::toStringUtf8).toList();
    }

    private static UnknownFieldSet.Field lengthDelimited(ByteString value) {
        return UnknownFieldSet.Field.newBuilder().addLengthDelimited(value).build();
    }
}
