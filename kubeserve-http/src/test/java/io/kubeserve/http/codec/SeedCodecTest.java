package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2JsonRoundTripTest.text;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeedCodecTest {

    private final SeedCodec codec = new SeedCodec();

    @Test
    void batchOfRows() {
        SeedCodec.SeedRequest request = codec.decode(utf8("{\"data\": [[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}"),
                Iris.MODEL);

        assertThat(request.single()).isFalse();
        assertThat(request.requestId()).isNull();
        assertThat(request.request().inputs().get("float_input").shape()).containsExactly(2, 4);
        assertThat(text(codec.encode(request, Iris.response(null), Iris.MODEL)))
                .isEqualTo("{\"predictions\":[0,2],\"model_loaded\":true}");
    }

    @Test
    void singleRowWithRequestIdAndClassName() {
        SeedCodec.SeedRequest request = codec.decode(utf8("{\"features\": [5.1,3.5,1.4,0.2], \"request_id\": \"r1\"}"),
                Iris.MODEL);
        InferenceResponse response = new InferenceResponse("r1", "iris", "1", Map.of(
                "output_label", Tensor.ofLongs(new long[] {1}, 0),
                "output_probability", Tensor.ofFloats(new long[] {1, 3}, 0.97f, 0.02f, 0.01f)));

        assertThat(request.single()).isTrue();
        assertThat(request.requestId()).isEqualTo("r1");
        assertThat(request.request().id()).isEqualTo("r1");
        assertThat(request.request().inputs().get("float_input").shape()).containsExactly(1, 4);
        assertThat(text(codec.encode(request, response, Iris.MODEL))).isEqualTo("{\"prediction\":0,\"confidence\":0.97,"
                + "\"model_version\":\"1\",\"request_id\":\"r1\",\"class_name\":\"setosa\"}");
    }

    @Test
    void singleRowWithoutLabelsOrId() {
        SeedCodec.SeedRequest request = codec.decode(utf8("{\"features\": [1,2,3,4]}"), Iris.UNLABELLED);
        InferenceResponse response = new InferenceResponse(null, "iris", "1",
                Map.of("output_label", Tensor.ofLongs(new long[] {1}, 1)));

        assertThat(text(codec.encode(request, response, Iris.UNLABELLED)))
                .isEqualTo("{\"prediction\":1,\"model_version\":\"1\"}");
    }

    @Test
    void nonClassifierPredictionsAreRowsOfEveryOutput() {
        ModelMetadata embedder = new ModelMetadata("emb", "2", "onnxruntime_onnx",
                List.of(new TensorSpec("ids", DataType.INT64, new long[] {-1, 3})),
                List.of(new TensorSpec("score", DataType.FP32, new long[] {-1, 1}),
                        new TensorSpec("vec", DataType.FP32, new long[] {-1, 2})), List.of());
        Map<String, Tensor> batchOut = new LinkedHashMap<>();
        batchOut.put("score", Tensor.ofFloats(new long[] {2, 1}, 0.5f, 1.5f));
        batchOut.put("vec", Tensor.ofFloats(new long[] {2, 2}, 1, 2, 3, 4));

        SeedCodec.SeedRequest batch = codec.decode(utf8("{\"data\": [[1,2,3],[4,5,6]]}"), embedder);
        assertThat(batch.request().inputs().get("ids").toLongArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(text(codec.encode(batch, new InferenceResponse(null, "emb", "2", batchOut), embedder)))
                .isEqualTo("{\"predictions\":[{\"score\":0.5,\"vec\":[1.0,2.0]},{\"score\":1.5,\"vec\":[3.0,4.0]}],"
                        + "\"model_loaded\":true}");

        SeedCodec.SeedRequest single = codec.decode(utf8("{\"features\": [1,2,3], \"request_id\": 9}"), embedder);
        // integer [1, 2] is neither a label column nor scores: the row itself is the prediction
        InferenceResponse vector = new InferenceResponse(null, "emb", "2",
                Map.of("tokens", Tensor.ofInts(new long[] {1, 2}, 7, 8)));
        assertThat(text(codec.encode(single, vector, embedder)))
                .isEqualTo("{\"prediction\":[7,8],\"model_version\":\"2\",\"request_id\":\"9\"}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"data\": [[1,2,3,4]], \"features\": [1,2,3,4]}|both \"data\" and \"features\"",
        "{\"rows\": [[1,2,3,4]]}|neither \"data\"",
        "{\"features\": [[1,2,3,4]]}|\"features\" must be one flat list",
        "{\"features\": [1,2,3]}|input 'float_input' must have shape [-1, 4], got [1, 3]",
        "{\"features\": [1,2,3,true]}|element 3 is true",
        "{\"data\": [[1,2,3,4],[1,2]]}|rows must all have the same shape",
        "{\"features\": [1,2,3,4], \"request_id\": {}}|\"request_id\" must be a string",
        "{\"features\": [1,2,3,4]|not valid JSON",
    })
    void badRequestsAreInvalidInput(String body, String fragment) {
        assertThatThrownBy(() -> codec.decode(utf8(body), Iris.MODEL))
                .isInstanceOfSatisfying(KubeServeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining(fragment);
    }
}
