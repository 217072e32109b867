package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, kind 2 over HTTP (field case02): zero rows on a scikit-learn ZipMap classifier, an
 * ONNX MLP, a TorchScript MLP and a batched MLP answer 200 with empty outputs of their shapes,
 * on V2, V1 and {@code /predict}; the server stays ready and answers the next row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeroRowsServerTest {

    private static final Path MODELS = Path.of("..", "kubeserve-core", "src", "test", "resources", "models")
            .toAbsolutePath().normalize();

    @TempDir
    static Path repo;

    private RunningServer server;

    @BeforeAll
    void start() throws Exception {
        copy("iris_logreg.onnx", "iris_lr", "model.onnx");
        copy("mlp_torch.onnx", "mlp_onnx", "model.onnx");
        copy("mlp_torch.onnx", "mlp_batched", "model.onnx");
        Files.writeString(repo.resolve("mlp_batched/config.json"),
                "{\"max_batch_size\": 8, \"dynamic_batching\": {\"max_queue_delay_microseconds\": 2000}}");
        copy("mlp_torchscript.pt", "mlp_ts", "model.pt");
        Files.writeString(repo.resolve("mlp_ts/config.json"), "{\"engine\":\"pytorch\",\"input\":[{\"name\":\"input\","
                + "\"data_type\":\"TYPE_FP32\",\"dims\":[-1,4]}],\"output\":[{\"name\":\"output\",\"data_type\":\"TYPE_FP32\","
                + "\"dims\":[-1,3]}]}");
        server = new RunningServer(ServerConfig.defaults(repo).withDefaultModel("iris_lr"));
    }

    private static void copy(String file, String model, String as) {
        RunningServer.addModel(repo, model, MODELS.resolve(file), as);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("iris_lr", "float_input", "{\"output_label\":\"INT64[0]\",\"output_probability\":\"FP32[0,3]\"}"),
                Arguments.of("mlp_onnx", "input", "{\"output\":\"FP32[0,3]\"}"),
                Arguments.of("mlp_batched", "input", "{\"output\":\"FP32[0,3]\"}"),
                Arguments.of("mlp_ts", "input", "{\"output\":\"FP32[0,3]\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void zeroRowsAreAnsweredEmptyOnEveryProtocol(String model, String input, String shapes) throws Exception {
        HttpResponse<String> v2 = server.post("/v2/models/" + model + "/infer", "{\"inputs\":[{\"name\":\"" + input
                + "\",\"datatype\":\"FP32\",\"shape\":[0,4],\"data\":[]}]}");
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(200);
        JsonNode expectedShapes = RunningServer.JSON.readTree(shapes);
        JsonNode outputs = RunningServer.parse(v2.body()).get("outputs");
        assertThat(outputs).hasSize(expectedShapes.size());
        for (JsonNode output : outputs) {
            String shape = output.get("datatype").asText() + output.get("shape").toString();
            assertThat(shape).as(output.get("name").asText())
                    .isEqualTo(expectedShapes.get(output.get("name").asText()).asText());
            assertThat(output.get("data")).isEmpty();
        }

        HttpResponse<String> v1 = server.post("/v1/models/" + model + ":predict", "{\"instances\":[]}");
        assertThat(v1.statusCode()).as(v1.body()).isEqualTo(200);
        assertThat(RunningServer.parse(v1.body()).get("predictions")).isEmpty();

        HttpResponse<String> seed = server.post("/predict?model=" + model, "{\"data\":[]}");
        assertThat(seed.statusCode()).as(seed.body()).isEqualTo(200);
        assertThat(RunningServer.parse(seed.body()).get("predictions")).isEmpty();

        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> one = server.post("/v2/models/" + model + "/infer", "{\"inputs\":[{\"name\":\"" + input
                + "\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}");
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    }
}
