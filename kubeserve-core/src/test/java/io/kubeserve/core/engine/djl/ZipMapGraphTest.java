package io.kubeserve.core.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The class order of a ZipMap node is read from the graph as the model declares it, and the model
 * with its ZipMap outputs as tensors gives, run on OnnxRuntime, exactly the numbers of the
 * original model's maps, column by column in that order.
 */
class ZipMapGraphTest {

    @Test
    void stringAndIntegerLabelsInTheNodesOrder() throws IOException {
        assertThat(ZipMapGraph.parse(model("shapes/zipmap_strings.onnx")).labels())
                .isEqualTo(Map.of("output_probability", List.of("b", "a", "c")));
        assertThat(ZipMapGraph.parse(model("shapes/zipmap_ints.onnx")).labels())
                .isEqualTo(Map.of("output_probability", List.of(2L, 0L, 1L)));
    }

    @Test
    void scikitLearnExportsAndModelsWithoutZipMap() throws IOException {
        assertThat(ZipMapGraph.parse(model("iris_logreg.onnx")).labels())
                .isEqualTo(Map.of("output_probability", List.of(0L, 1L, 2L)));
        for (String none : List.of("mlp_torch.onnx", "shapes/tok.onnx")) {
            ZipMapGraph graph = ZipMapGraph.parse(model(none));
            assertThat(graph.labels()).as(none).isEmpty();
            assertThat(graph.tensorModel()).as(none).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"shapes/zipmap_strings.onnx", "shapes/zipmap_ints.onnx", "iris_logreg.onnx",
        "iris_rf.onnx"})
    void theTensorModelGivesTheMapsNumbersInTheNodesColumnOrder(String resource) throws Exception {
        byte[] original = model(resource);
        ZipMapGraph graph = ZipMapGraph.parse(original);
        List<Object> labels = graph.labels().get("output_probability");
        OrtEnvironment env = environment();
        try (OrtSession maps = env.createSession(original);
             OrtSession tensors = env.createSession(graph.tensorModel())) {
            NodeInfo declared = tensors.getOutputInfo().get("output_probability");
            TensorInfo info = (TensorInfo) declared.getInfo();
            assertThat(info.type).isEqualTo(ai.onnxruntime.OnnxJavaType.FLOAT);
            assertThat(info.getShape()).containsExactly(-1L, labels.size());
            assertThat(tensors.getOutputNames()).containsExactlyElementsOf(maps.getOutputNames());
            assertThat(ZipMapGraph.parse(graph.tensorModel()).labels()).isEmpty();

            String input = maps.getInputNames().iterator().next();
            long features = ((TensorInfo) maps.getInputInfo().get(input).getInfo()).getShape()[1];
            float[][] rows = new float[7][(int) features];
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < features; c++) {
                    rows[r][c] = (float) Math.sin(r * 3.1 + c * 1.7) * 4 + 3;
                }
            }
            try (OnnxTensor feed = OnnxTensor.createTensor(env, rows);
                 OrtSession.Result fromMaps = maps.run(Map.of(input, feed));
                 OrtSession.Result fromTensor = tensors.run(Map.of(input, feed))) {
                float[][] probabilities = (float[][]) fromTensor.get("output_probability").orElseThrow().getValue();
                List<? extends OnnxValue> rowMaps = ((OnnxSequence) fromMaps.get("output_probability").orElseThrow())
                        .getValue();
                assertThat(probabilities).hasNumberOfRows(rows.length);
                for (int r = 0; r < rows.length; r++) {
                    Map<?, ?> row = ((OnnxMap) rowMaps.get(r)).getValue();
                    assertThat(probabilities[r]).hasSize(labels.size());
                    for (int c = 0; c < labels.size(); c++) {
                        assertThat(probabilities[r][c]).as("row %d, class %s", r, labels.get(c))
                                .isEqualTo((Float) row.get(labels.get(c)));
                    }
                    rowMaps.get(r).close();
                }
                // the other outputs are untouched
                for (String other : maps.getOutputNames()) {
                    if (!other.equals("output_probability")) {
                        assertThat(fromTensor.get(other).orElseThrow().getValue()).as(other)
                                .isEqualTo(fromMaps.get(other).orElseThrow().getValue());
                    }
                }
            }
        }
    }

    @Test
    void aZipMapThatIsNotAGraphOutputAloneStays() throws IOException {
        byte[] served = model(List.of(zipMap("p", "zipped")), List.of("zipped"), true);
        assertThat(ZipMapGraph.parse(served).tensorModel()).isNotNull();
        // its output also read by another node
        byte[] consumed = model(List.of(zipMap("p", "zipped"), node("SequenceLength", "", "zipped", "n")),
                List.of("zipped", "n"), true);
        // not a graph output
        byte[] inner = model(List.of(zipMap("p", "zipped"), node("SequenceLength", "", "zipped", "n")),
                List.of("n"), true);
        // no opset of the default domain, where Identity is
        byte[] mlOnly = model(List.of(zipMap("p", "zipped")), List.of("zipped"), false);
        for (byte[] model : List.of(consumed, inner, mlOnly)) {
            ZipMapGraph graph = ZipMapGraph.parse(model);
            assertThat(graph.labels()).isEqualTo(Map.of("zipped", List.of("x", "y")));
            assertThat(graph.tensorModel()).isNull();
        }
    }

    private static OrtEnvironment environment() {
        // as the loader does: DJL's engine first, or it cannot start later in this JVM
        DjlRuntime.configure();
        ai.djl.engine.Engine.getEngine("OnnxRuntime");
        return OrtEnvironment.getEnvironment();
    }

    private static byte[] model(String resource) throws IOException {
        try (InputStream in = ZipMapGraphTest.class.getResourceAsStream("/models/" + resource)) {
            return in.readAllBytes();
        }
    }

    // a ModelProto by onnx.proto's field numbers: graph 7 (node 1, output 12), opset_import 8

    private static byte[] model(List<UnknownFieldSet> nodes, List<String> outputs, boolean defaultDomain) {
        UnknownFieldSet.Builder graph = UnknownFieldSet.newBuilder();
        nodes.forEach(node -> add(graph, 1, node.toByteString()));
        outputs.forEach(name -> add(graph, 12, message(1, ByteString.copyFromUtf8(name))));
        UnknownFieldSet.Builder model = UnknownFieldSet.newBuilder();
        add(model, 7, graph.build().toByteString());
        add(model, 8, message(1, ByteString.copyFromUtf8("ai.onnx.ml")));
        if (defaultDomain) {
            add(model, 8, UnknownFieldSet.newBuilder().build().toByteString());
        }
        return model.build().toByteArray();
    }

    private static UnknownFieldSet zipMap(String input, String output) {
        UnknownFieldSet.Builder node = node("ZipMap", "ai.onnx.ml", input, output).toBuilder();
        UnknownFieldSet.Builder attribute = UnknownFieldSet.newBuilder();
        add(attribute, 1, ByteString.copyFromUtf8("classlabels_strings"));
        add(attribute, 9, ByteString.copyFromUtf8("x"));
        add(attribute, 9, ByteString.copyFromUtf8("y"));
        add(node, 5, attribute.build().toByteString());
        return node.build();
    }

    private static UnknownFieldSet node(String opType, String domain, String input, String output) {
        UnknownFieldSet.Builder node = UnknownFieldSet.newBuilder();
        add(node, 1, ByteString.copyFromUtf8(input));
        add(node, 2, ByteString.copyFromUtf8(output));
        add(node, 4, ByteString.copyFromUtf8(opType));
        if (!domain.isEmpty()) {
            add(node, 7, ByteString.copyFromUtf8(domain));
        }
        return node.build();
    }

    private static ByteString message(int field, ByteString value) {
        UnknownFieldSet.Builder message = UnknownFieldSet.newBuilder();
        add(message, field, value);
        return message.build().toByteString();
    }

    private static void add(UnknownFieldSet.Builder message, int field, ByteString value) {
        message.mergeField(field, UnknownFieldSet.Field.newBuilder().addLengthDelimited(value).build());
    }
}
