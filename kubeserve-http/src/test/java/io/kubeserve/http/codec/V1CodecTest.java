package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.JsonTrees.doubles;
import static io.kubeserve.http.codec.JsonTrees.fields;
import static io.kubeserve.http.codec.JsonTrees.floats;
import static io.kubeserve.http.codec.JsonTrees.longs;
import static io.kubeserve.http.codec.JsonTrees.parse;
import static io.kubeserve.http.codec.JsonTrees.strings;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class V1CodecTest {

    private final V1Codec codec = new V1Codec();

    @Test
    void instancesBecomeOneTensorForTheFirstInput() {
        InferenceRequest request = codec.decode(utf8("{\"instances\": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}"),
                Iris.MODEL);

        Tensor input = request.inputs().get("float_input");
        assertThat(request.inputs()).containsOnlyKeys("float_input");
        assertThat(input.type()).isEqualTo(DataType.FP32);
        assertThat(input.shape()).containsExactly(2, 4);
        assertThat(input.toFloatArray()).containsExactly(5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f);
    }

    @Test
    void inputsIsAnAliasOfInstances() {
        InferenceRequest request = codec.decode(utf8("{\"inputs\": [[1, 2, 3, 4]], \"extra\": {\"x\": 1}}"), Iris.MODEL);

        assertThat(request.inputs().get("float_input").shape()).containsExactly(1, 4);
    }

    @Test
    void classifierAnswersWithIndicesNamesAndProbabilities() {
        InferenceResponse response = Iris.response(null);
        JsonNode json = parse(codec.encode(response, Iris.MODEL));

        // KServe V1: "predictions", one per instance; KubeServe adds class_names, probabilities and the model
        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "class_names", "probabilities",
                "model_name", "model_version");
        long[] labels = response.output("output_label").toLongArray();
        assertThat(longs(json.get("predictions"))).containsExactly(labels);
        assertThat(strings(json.get("class_names")))
                .containsExactly(Iris.MODEL.classLabels().get((int) labels[0]), Iris.MODEL.classLabels().get((int) labels[1]));
        float[] probabilities = response.output("output_probability").toFloatArray();
        assertThat(json.get("probabilities")).hasSize(2);
        for (int row = 0; row < 2; row++) {
            assertThat(floats(json.get("probabilities").get(row)))
                    .containsExactly(java.util.Arrays.copyOfRange(probabilities, 3 * row, 3 * row + 3));
        }
        assertThat(json.get("model_name").asText()).isEqualTo("iris");
        assertThat(json.get("model_version").asText()).isEqualTo("1");
    }

    @Test
    void classifierWithoutLabelsHasNoClassNames() {
        JsonNode json = parse(codec.encode(Iris.response(null), Iris.UNLABELLED));

        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "probabilities", "model_name", "model_version");
        assertThat(longs(json.get("predictions"))).containsExactly(Iris.response(null).output("output_label").toLongArray());
    }

    @Test
    void otherModelsAnswerWithTheirFirstOutputNestedByShape() {
        ModelMetadata regressor = new ModelMetadata("house", "3", "pytorch_torchscript",
                List.of(new TensorSpec("x", DataType.FP64, new long[] {-1, 2})),
                List.of(new TensorSpec("y", DataType.FP64, new long[] {-1, 1})), List.of());
        InferenceResponse response = new InferenceResponse(null, "house", "3",
                Map.of("y", Tensor.ofDoubles(new long[] {2, 1}, 1.25, Double.NaN)));

        JsonNode json = parse(codec.encode(response, regressor));
        assertThat(fields(json)).containsExactlyInAnyOrder("predictions", "model_name", "model_version");
        // one prediction per row, nested by the output's row shape [1]
        assertThat(json.get("predictions")).hasSize(2);
        assertThat(doubles(json.get("predictions").get(0))).containsExactly(1.25);
        assertThat(doubles(json.get("predictions").get(1))).containsExactly(Double.NaN);
        assertThat(json.get("model_name").asText()).isEqualTo("house");
        assertThat(json.get("model_version").asText()).isEqualTo("3");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"instances\": [[1,2,3,4],[1,2,3]]}|rows must all have the same shape",
        "{\"instances\": [[1,2,3,4],5]}|rows must all have the same shape",
        "{\"instances\": [[1,2,3]]}|input 'float_input' must have shape [-1, 4], got [1, 3]",
        "{\"instances\": [1,2,3,4]}|must have shape [-1, 4], got [4]",
        "{\"instances\": [[1,2,3,\"x\"]]}|element 3 is the string \"x\"",
        "{\"instances\": [{\"a\":1}]}|got an object",
        "{\"instances\": 5}|must be a JSON array",
        "{\"instances\": [[1,2,3,4]], \"inputs\": [[1,2,3,4]]}|both \"instances\" and \"inputs\"",
        "{\"predict\": [[1,2,3,4]]}|no \"instances\"",
        "[[1,2,3,4]]|request body must be an object",
        "{\"instances\": [[1,2,3,4]|not valid JSON",
    })
    void badRequestsAreInvalidInput(String body, String fragment) {
        assertThatThrownBy(() -> codec.decode(utf8(body), Iris.MODEL))
                .isInstanceOfSatisfying(KubeServeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining(fragment);
    }

    @Test
    void deeplyNestedInstancesAreRefused() {
        assertThatThrownBy(() -> codec.decode(utf8("{\"instances\":" + "[".repeat(10_000)), Iris.MODEL))
                .isInstanceOf(KubeServeException.class)
                .hasMessageContaining("deeper than 32 levels");
    }

    @Test
    void emptyBodyIsInvalidInput() {
        assertThatThrownBy(() -> codec.decode(utf8(""), Iris.MODEL))
                .isInstanceOf(KubeServeException.class)
                .hasMessageContaining("request body is empty");
    }
}
