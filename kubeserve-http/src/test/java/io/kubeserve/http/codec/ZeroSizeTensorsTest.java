package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2BinaryTest.binaryBody;
import static io.kubeserve.http.codec.V2BinaryTest.length;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.text;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.nio.charset.StandardCharsets;
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
        String json = text(v2Encoder.encode(new InferenceResponse(null, "m", "1", Map.of("y", x))).body());
        assertThat(json).contains("{\"name\":\"y\",\"datatype\":\"" + datatype + "\",\"shape\":[0,4],\"data\":[]}");
    }

    @Test
    void v2JsonEmptyClassifierOutputs() {
        assertThat(text(v2Encoder.encode(emptyIris()).body())).isEqualTo("{\"model_name\":\"iris\",\"model_version\":\"1\","
                + "\"outputs\":[{\"name\":\"output_label\",\"datatype\":\"INT64\",\"shape\":[0],\"data\":[]},"
                + "{\"name\":\"output_probability\",\"datatype\":\"FP32\",\"shape\":[0,3],\"data\":[]},"
                + "{\"name\":\"class_name\",\"datatype\":\"BYTES\",\"shape\":[0],\"data\":[]}]}");
    }

    @Test
    void v2BinaryZeroRowsInAndOut() {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[0,4],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":0}}],\"parameters\":{\"binary_data_output\":true}}";
        V2Request decoded = v2Decoder.decode(binaryBody(json), length(json));
        assertThat(decoded.request().inputs().get("x").shape()).containsExactly(0, 4);

        EncodedBody encoded = v2Encoder.encode(emptyIris(), decoded.outputFormat());
        String header = new String(encoded.body(), 0, encoded.jsonHeaderLength(), StandardCharsets.UTF_8);
        assertThat(header).contains("{\"name\":\"output_label\",\"datatype\":\"INT64\",\"shape\":[0],"
                        + "\"parameters\":{\"binary_data_size\":0}}")
                .contains("{\"name\":\"output_probability\",\"datatype\":\"FP32\",\"shape\":[0,3],"
                        + "\"parameters\":{\"binary_data_size\":0}}")
                .contains("\"shape\":[0]");
        assertThat(encoded.body()).hasSize(encoded.jsonHeaderLength());
    }

    @Test
    void v1NoInstancesTakeTheModelsRowShape() {
        InferenceRequest request = v1.decode(utf8("{\"instances\": []}"), Iris.MODEL);
        assertThat(request.inputs().get("float_input").shape()).containsExactly(0, 4);
        assertThat(request.inputs().get("float_input").type()).isEqualTo(DataType.FP32);

        assertThat(text(v1.encode(emptyIris(), Iris.MODEL))).isEqualTo("{\"predictions\":[],\"class_names\":[],"
                + "\"probabilities\":[],\"model_name\":\"iris\",\"model_version\":\"1\"}");
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

        assertThat(text(seed.encode(request, emptyIris(), Iris.MODEL)))
                .isEqualTo("{\"predictions\":[],\"model_loaded\":true}");
    }
}
