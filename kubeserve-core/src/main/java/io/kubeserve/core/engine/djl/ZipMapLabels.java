package io.kubeserve.core.engine.djl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The class labels of each ZipMap node of an ONNX graph, in the node's own order, by the name of
 * the output it writes. OnnxRuntime's Java API hands a ZipMap row out as a map without that order
 * (its native map is sorted by key), and exposes no graph nodes, so the labels are read from the
 * model file: a minimal protobuf walk over {@code ModelProto.graph.node}, reading no other part.
 *
 * <p>Labels are {@link String}s ({@code classlabels_strings}) or {@link Long}s
 * ({@code classlabels_int64s}), the key types of the maps OnnxRuntime returns.
 */
final class ZipMapLabels {

    // field numbers of onnx.proto
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INTS = 8;
    private static final int ATTRIBUTE_STRINGS = 9;

    private ZipMapLabels() {
    }

    /** Labels by output name; empty when the graph has no ZipMap node. */
    static Map<String, List<Object>> read(Path modelFile) throws IOException {
        return parse(Files.readAllBytes(modelFile));
    }

    static Map<String, List<Object>> parse(byte[] model) {
        Map<String, List<Object>> labels = new HashMap<>();
        Reader reader = new Reader(model, 0, model.length);
        while (reader.more()) {
            int tag = reader.tag();
            if (tag >>> 3 == MODEL_GRAPH && (tag & 7) == 2) {
                Reader graph = reader.message();
                while (graph.more()) {
                    int graphTag = graph.tag();
                    if (graphTag >>> 3 == GRAPH_NODE && (graphTag & 7) == 2) {
                        node(graph.message(), labels);
                    } else {
                        graph.skip(graphTag);
                    }
                }
            } else {
                reader.skip(tag);
            }
        }
        return labels;
    }

    private static void node(Reader node, Map<String, List<Object>> labels) {
        String opType = null;
        String output = null;
        List<Object> classes = null;
        while (node.more()) {
            int tag = node.tag();
            int field = tag >>> 3;
            if (field == NODE_OP_TYPE && (tag & 7) == 2) {
                opType = node.string();
            } else if (field == NODE_OUTPUT && (tag & 7) == 2 && output == null) {
                output = node.string();
            } else if (field == NODE_ATTRIBUTE && (tag & 7) == 2) {
                List<Object> found = attribute(node.message());
                if (found != null) {
                    classes = found;
                }
            } else {
                node.skip(tag);
            }
        }
        if ("ZipMap".equals(opType) && output != null && classes != null) {
            labels.put(output, List.copyOf(classes));
        }
    }

    /** The values of a {@code classlabels_strings} or {@code classlabels_int64s} attribute, else null. */
    private static List<Object> attribute(Reader attribute) {
        String name = null;
        List<Object> values = new ArrayList<>();
        while (attribute.more()) {
            int tag = attribute.tag();
            int field = tag >>> 3;
            if (field == ATTRIBUTE_NAME && (tag & 7) == 2) {
                name = attribute.string();
            } else if (field == ATTRIBUTE_STRINGS && (tag & 7) == 2) {
                values.add(attribute.string());
            } else if (field == ATTRIBUTE_INTS && (tag & 7) == 0) {
                values.add(attribute.varint());
            } else if (field == ATTRIBUTE_INTS && (tag & 7) == 2) {
                Reader packed = attribute.message();
                while (packed.more()) {
                    values.add(packed.varint());
                }
            } else {
                attribute.skip(tag);
            }
        }
        return "classlabels_strings".equals(name) || "classlabels_int64s".equals(name) ? values : null;
    }

    /** Protobuf wire format over a byte range. */
    private static final class Reader {
        private final byte[] bytes;
        private int position;
        private final int end;

        Reader(byte[] bytes, int from, int end) {
            this.bytes = bytes;
            this.position = from;
            this.end = end;
        }

        boolean more() {
            return position < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = next();
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("malformed varint in the ONNX model");
        }

        Reader message() {
            int length = length();
            Reader inner = new Reader(bytes, position, position + length);
            position += length;
            return inner;
        }

        String string() {
            int length = length();
            String value = new String(bytes, position, length, StandardCharsets.UTF_8);
            position += length;
            return value;
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + (tag & 7));
            }
        }

        private int length() {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw new IllegalArgumentException("truncated ONNX model");
            }
            return (int) length;
        }

        private void advance(int count) {
            if (count > end - position) {
                throw new IllegalArgumentException("truncated ONNX model");
            }
            position += count;
        }

        private byte next() {
            if (position >= end) {
                throw new IllegalArgumentException("truncated ONNX model");
            }
            return bytes[position++];
        }
    }
}
