package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.JsonTrees.fields;
import static io.kubeserve.http.codec.JsonTrees.floats;
import static io.kubeserve.http.codec.JsonTrees.longs;
import static io.kubeserve.http.codec.JsonTrees.parse;
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
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seed API ({@code /predict}, README "seed API"): a batch answers {@code predictions} and
 * {@code model_loaded}; one row answers {@code prediction}, {@code model_version}, the caller's
 * {@code request_id}, and for a classifier {@code confidence} and {@code class_name}. Answers are
 * parsed and checked field by field against the tensors the model returned.
 */
class SeedCodecTest {

    private final SeedCodec codec = new SeedCodec();

    @Test
    void batchOfRows() {
        SeedCodec.SeedRequest request = codec.decode(utf8("{\"data\": [[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}"),
                Iris.MODEL);

        assertThat(request.single()).isFalse();
        assertThat(request.requestId()).isNull();
        assertThat(request.request().inputs().get("float_input").shape()).containsExactly(2, 4);
        InferenceResponse response = Iris.response(null);
        JsonNode json = parse(codec.encode(request, response, Iris.MODEL));
        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "model_loaded");
        assertThat(longs(json.get("predictions"))).containsExactly(response.output("output_label").toLongArray());
        assertThat(json.get("model_loaded").isBoolean()).isTrue();
        assertThat(json.get("model_loaded").asBoolean()).isTrue();
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
        JsonNode json = parse(codec.encode(request, response, Iris.MODEL));
        assertThat(fields(json)).containsExactlyInAnyOrder("prediction", "confidence", "model_version", "request_id",
                "class_name");
        assertThat(json.get("prediction").isIntegralNumber()).isTrue();
        assertThat(json.get("prediction").asLong()).isEqualTo(response.output("output_label").getLong(0));
        // the probability of the predicted class, an FP32 value that reads back exactly
        assertThat(json.get("confidence").isNumber()).isTrue();
        assertThat((float) json.get("confidence").asDouble()).isEqualTo(response.output("output_probability").getFloat(0));
        assertThat(json.get("model_version").asText()).isEqualTo(response.modelVersion());
        assertThat(json.get("request_id").asText()).isEqualTo("r1");
        assertThat(json.get("class_name").asText()).isEqualTo(Iris.MODEL.classLabels().get(0));
    }

    @Test
    void singleRowWithoutLabelsOrId() {
        SeedCodec.SeedRequest request = codec.decode(utf8("{\"features\": [1,2,3,4]}"), Iris.UNLABELLED);
        InferenceResponse response = new InferenceResponse(null, "iris", "1",
                Map.of("output_label", Tensor.ofLongs(new long[] {1}, 1)));

        JsonNode json = parse(codec.encode(request, response, Iris.UNLABELLED));
        assertThat(fields(json)).containsExactlyInAnyOrder("prediction", "model_version");
        assertThat(json.get("prediction").isIntegralNumber()).isTrue();
        assertThat(json.get("prediction").asLong()).isEqualTo(1);
        assertThat(json.get("model_version").asText()).isEqualTo("1");
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
        JsonNode json = parse(codec.encode(batch, new InferenceResponse(null, "emb", "2", batchOut), embedder));
        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "model_loaded");
        assertThat(json.get("model_loaded").asBoolean()).isTrue();
        JsonNode rows = json.get("predictions");
        assertThat(rows).hasSize(2);
        for (int row = 0; row < 2; row++) {
            // one object per row keyed by output name; a one-value row is that value
            assertThat(fields(rows.get(row))).containsExactlyInAnyOrder("score", "vec");
            assertThat(rows.get(row).get("score").isNumber()).isTrue();
            assertThat((float) rows.get(row).get("score").asDouble()).isEqualTo(batchOut.get("score").getFloat(row));
            assertThat(floats(rows.get(row).get("vec")))
                    .containsExactly(batchOut.get("vec").getFloat(2 * row), batchOut.get("vec").getFloat(2 * row + 1));
        }

        SeedCodec.SeedRequest single = codec.decode(utf8("{\"features\": [1,2,3], \"request_id\": 9}"), embedder);
        // integer [1, 2] is neither a label column nor scores: the row itself is the prediction
        InferenceResponse vector = new InferenceResponse(null, "emb", "2",
                Map.of("tokens", Tensor.ofInts(new long[] {1, 2}, 7, 8)));
        JsonNode one = parse(codec.encode(single, vector, embedder));
        assertThat(fields(one)).containsExactlyInAnyOrder("prediction", "model_version", "request_id");
        assertThat(longs(one.get("prediction"))).containsExactly(7, 8);
        assertThat(one.get("model_version").asText()).isEqualTo("2");
        // the caller's numeric request_id 9 is echoed, as a string
        assertThat(one.get("request_id").isTextual()).isTrue();
        assertThat(one.get("request_id").asText()).isEqualTo("9");
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
