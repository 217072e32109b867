package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2BinaryTest.binaryBody;
import static io.kubeserve.http.codec.V2BinaryTest.length;
import static io.kubeserve.http.codec.JsonTrees.assertTensor;
import static io.kubeserve.http.codec.JsonTrees.fields;
import static io.kubeserve.http.codec.JsonTrees.names;
import static io.kubeserve.http.codec.JsonTrees.parse;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, kind 2 (field case02) in every codec: a request of zero rows decodes to a
 * {@code [0, ...]} tensor of the model's row shape, and empty outputs encode as empty tensors of
 * their shapes (V2 JSON and binary) or empty lists (V1, seed).
 */
class ZeroSizeTensorsTest {

    private final V2RequestDecoder v2Decoder = new V2RequestDecoder();
    private final V2ResponseEncoder v2Encoder = new V2ResponseEncoder();
    private final V1Codec v1 = new V1Codec();
    private final SeedCodec seed = new SeedCodec();

    /** What iris answers for zero rows. */
    static InferenceResponse emptyIris() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("output_label", Tensor.ofLongs(new long[] {0}));
        outputs.put("output_probability", Tensor.ofFloats(new long[] {0, 3}));
        outputs.put("class_name", Tensor.ofStrings(new long[] {0}));
        return new InferenceResponse(null, "iris", "1", outputs);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"FP32", "FP64", "INT64", "INT8", "UINT8", "BOOL", "FP16", "BYTES"})
    void v2JsonZeroRowsOfEveryDatatype(String datatype) {
        V2Request decoded = v2Decoder.decode(utf8("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + datatype
                + "\",\"shape\":[0,4],\"data\":[]}]}"));
        Tensor x = decoded.request().inputs().get("x");
        assertThat(x.type()).isEqualTo(DataType.valueOf(datatype));
        assertThat(x.shape()).containsExactly(0, 4);
        assertThat(x.size()).isZero();
        // and back out as an output
        JsonNode y = parse(v2Encoder.encode(new InferenceResponse(null, "m", "1", Map.of("y", x))).body())
                .get("outputs").get(0);
        assertThat(fields(y)).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
        assertTensor(y, "y", datatype, 0, 4);
        assertThat(y.get("data").isArray()).isTrue();
        assertThat(y.get("data")).isEmpty();
    }

    @Test
    void v2JsonEmptyClassifierOutputs() {
        JsonNode json = parse(v2Encoder.encode(emptyIris()).body());
        assertThat(fields(json)).containsExactlyInAnyOrder("model_name", "model_version", "outputs");
        assertThat(json.get("model_name").asText()).isEqualTo("iris");
        assertThat(json.get("model_version").asText()).isEqualTo("1");
        assertThat(names(json.get("outputs"))).containsExactly("output_label", "output_probability", "class_name");
        assertTensor(json.get("outputs").get(0), "output_label", "INT64", 0);
        assertTensor(json.get("outputs").get(1), "output_probability", "FP32", 0, 3);
        assertTensor(json.get("outputs").get(2), "class_name", "BYTES", 0);
        for (JsonNode output : json.get("outputs")) {
            assertThat(fields(output)).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
            assertThat(output.get("data").isArray()).isTrue();
            assertThat(output.get("data")).isEmpty();
        }
    }

    @Test
    void v2BinaryZeroRowsInAndOut() {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[0,4],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":0}}],\"parameters\":{\"binary_data_output\":true}}";
        V2Request decoded = v2Decoder.decode(binaryBody(json), length(json));
        assertThat(decoded.request().inputs().get("x").shape()).containsExactly(0, 4);

        EncodedBody encoded = v2Encoder.encode(emptyIris(), decoded.outputFormat());
        JsonNode outputs = parse(encoded.body(), 0, encoded.jsonHeaderLength()).get("outputs");
        assertThat(names(outputs)).containsExactly("output_label", "output_probability", "class_name");
        assertTensor(outputs.get(0), "output_label", "INT64", 0);
        assertTensor(outputs.get(1), "output_probability", "FP32", 0, 3);
        assertTensor(outputs.get(2), "class_name", "BYTES", 0);
        for (JsonNode output : outputs) {
            assertThat(output.has("data")).as(output.toString()).isFalse();
            assertThat(output.get("parameters").get("binary_data_size").asLong()).as(output.toString()).isZero();
        }
        assertThat(encoded.body()).hasSize(encoded.jsonHeaderLength());
    }

    @Test
    void v1NoInstancesTakeTheModelsRowShape() {
        InferenceRequest request = v1.decode(utf8("{\"instances\": []}"), Iris.MODEL);
        assertThat(request.inputs().get("float_input").shape()).containsExactly(0, 4);
        assertThat(request.inputs().get("float_input").type()).isEqualTo(DataType.FP32);

        JsonNode json = parse(v1.encode(emptyIris(), Iris.MODEL));
        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "class_names", "probabilities",
                "model_name", "model_version");
        for (String list : List.of("predictions", "class_names", "probabilities")) {
            assertThat(json.get(list).isArray()).as(list).isTrue();
            assertThat(json.get(list)).as(list).isEmpty();
        }
        assertThat(json.get("model_name").asText()).isEqualTo("iris");
        assertThat(json.get("model_version").asText()).isEqualTo("1");
    }

    @Test
    void v1NoInstancesOfAModelWithoutAKnownRowShapeStayShapeZero() {
        ModelMetadata free = new ModelMetadata("free", "1", "pytorch_libtorch",
                List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, -1})),
                List.of(new TensorSpec("output", DataType.FP32, new long[] {-1, 3})), List.of());
        // [0] against [-1, -1]: the rank cannot be guessed, so the model's own check words the refusal
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> v1.decode(utf8("{\"instances\": []}"), free))
                .hasMessageContaining("must have shape [-1, -1], got [0]");
    }

    @Test
    void seedNoDataTakesTheModelsRowShape() {
        SeedCodec.SeedRequest request = seed.decode(utf8("{\"data\": []}"), Iris.MODEL);
        assertThat(request.request().inputs().get("float_input").shape()).containsExactly(0, 4);

        JsonNode json = parse(seed.encode(request, emptyIris(), Iris.MODEL));
        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "model_loaded");
        assertThat(json.get("predictions").isArray()).isTrue();
        assertThat(json.get("predictions")).isEmpty();
        assertThat(json.get("model_loaded").asBoolean()).isTrue();
    }
}
