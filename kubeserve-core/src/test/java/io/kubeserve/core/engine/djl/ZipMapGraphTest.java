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
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WireFormat;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        OrtEnvironment env = OrtTypesTest.environment();
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

    @Test
    void theLoaderServesTheTensorModelOrElseTheMaps(@TempDir Path dir) throws Exception {
        OrtEnvironment env = OrtTypesTest.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            OnnxModelLoader.Opened tensors = OnnxModelLoader.open(source(dir, "iris_logreg.onnx"), env, options);
            try (OrtSession session = tensors.session()) {
                assertThat(session.getOutputInfo().get("output_probability").getInfo()).isInstanceOf(TensorInfo.class);
                assertThat(tensors.zipMapLabels()).isEqualTo(Map.of("output_probability", List.of(0L, 1L, 2L)));
            }
            // a ZipMap of a 1-D input: OnnxRuntime makes one row of it, where an Identity would serve
            // [3]; the tensor model is refused and the file's maps served
            assertThat(ZipMapGraph.parse(model("shapes/zipmap_1d.onnx")).tensorOutputs()).containsExactly("zipped");
            OnnxModelLoader.Opened maps = OnnxModelLoader.open(source(dir, "shapes/zipmap_1d.onnx"), env, options);
            try (OrtSession session = maps.session();
                 OnnxTensor scores = OnnxTensor.createTensor(env, new float[] {0.25f, 0.5f, 0.125f});
                 OrtSession.Result result = session.run(Map.of("scores", scores))) {
                assertThat(session.getOutputInfo().get("zipped").getInfo()).isInstanceOf(ai.onnxruntime.SequenceInfo.class);
                List<? extends OnnxValue> rows = ((OnnxSequence) result.get(0)).getValue();
                assertThat(rows).hasSize(1);
                assertThat(((OnnxMap) rows.get(0)).getValue()).isEqualTo(Map.of("p", 0.25f, "q", 0.5f, "r", 0.125f));
                rows.forEach(OnnxValue::close);
            }
        }
    }

    @Test
    void int64LabelsInTheOrderWrittenPackedOrNotAndAGraphWrittenInParts() throws IOException {
        // classlabels_int64s as 5, then 7 and 3 packed, then 1
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeString(1, "classlabels_int64s");
        out.writeInt64(8, 5);
        out.writeTag(8, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(CodedOutputStream.computeInt64SizeNoTag(7) + CodedOutputStream.computeInt64SizeNoTag(-3));
        out.writeInt64NoTag(7);
        out.writeInt64NoTag(-3);
        out.writeInt64(8, 1);
        out.flush();
        UnknownFieldSet.Builder node = node("ZipMap", "ai.onnx.ml", "p", "zipped").toBuilder();
        add(node, 5, ByteString.copyFrom(bytes.toByteArray()));
        byte[] whole = model(List.of(node.build()), List.of("zipped"), true);
        assertThat(ZipMapGraph.parse(whole).labels()).isEqualTo(Map.of("zipped", List.of(5L, 7L, -3L, 1L)));

        // the graph field twice, its node in the first part and its output in the second: protobuf
        // merges the parts
        UnknownFieldSet.Builder first = UnknownFieldSet.newBuilder();
        add(first, 1, zipMap("p", "zipped").toByteString());
        UnknownFieldSet.Builder second = UnknownFieldSet.newBuilder();
        add(second, 12, message(1, ByteString.copyFromUtf8("zipped")));
        UnknownFieldSet.Builder split = UnknownFieldSet.newBuilder();
        add(split, 7, first.build().toByteString());
        add(split, 7, second.build().toByteString());
        add(split, 8, UnknownFieldSet.newBuilder().build().toByteString());
        ZipMapGraph graph = ZipMapGraph.parse(split.build().toByteArray());
        assertThat(graph.labels()).isEqualTo(Map.of("zipped", List.of("x", "y")));
        assertThat(graph.tensorOutputs()).containsExactly("zipped");
        assertThat(UnknownFieldSet.parseFrom(graph.tensorModel()).getField(7).getLengthDelimitedList()).hasSize(1);
    }

    private static ModelSource source(Path dir, String resource) throws IOException {
        Path file = Files.createDirectories(dir.resolve(resource.replace('/', '_'))).resolve("model.onnx");
        Files.write(file, model(resource));
        return new ModelSource("m", "1", file, ModelConfig.DEFAULT);
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
