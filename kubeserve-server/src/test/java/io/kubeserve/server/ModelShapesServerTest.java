package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12 kinds 6 and 12 over V2 JSON, on the core's small shape models ({@code
 * kubeserve-core/src/test/resources/models/shapes}, right values computed by its {@code
 * make_models.py} with numpy): field case15, inputs the engine cannot run on, and a ZipMap
 * classifier whose class labels are not sorted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelShapesServerTest {

    private static final Path SHAPES = Path.of("..", "kubeserve-core", "src", "test", "resources", "models", "shapes")
            .toAbsolutePath().normalize();

    @TempDir
    static Path repo;

    private RunningServer server;
    private JsonNode expected;

    @BeforeAll
    void start() throws Exception {
        for (String model : new String[] {"tok", "anonymous_add", "zipmap_strings"}) {
            RunningServer.addModel(repo, model, SHAPES.resolve(model + ".onnx"), "model.onnx");
        }
        expected = RunningServer.JSON.readTree(SHAPES.resolve("expected.json").toFile());
        server = new RunningServer(ServerConfig.defaults(repo));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void case15TwoInt64Inputs() {
        HttpResponse<String> response = server.post("/v2/models/tok/infer", "{\"inputs\":["
                + "{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[2,5],\"data\":[[1,2,3,4,5],[1,2,0,0,0]]},"
                + "{\"name\":\"attention_mask\",\"datatype\":\"INT64\",\"shape\":[2,5],\"data\":[[1,1,1,1,1],[1,1,0,0,0]]}],"
                + "\"outputs\":[{\"name\":\"masked_sum\"}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode output = RunningServer.parse(response.body()).get("outputs").get(0);
        assertThat(output.get("shape").toString()).isEqualTo("[2]");
        assertThat(output.get("data")).isEqualTo(expected.get("tok").get("masked_sum"));
    }

    static Stream<Arguments> inputsTheModelCannotRunOn() {
        return Stream.of(
                // field case15: sequence lengths differ, 3 vs 2
                Arguments.of("tok", "{\"inputs\":["
                        + "{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[1,3],\"data\":[1,2,3]},"
                        + "{\"name\":\"attention_mask\",\"datatype\":\"INT64\",\"shape\":[1,2],\"data\":[1,1]}]}",
                        "inputs disagree on dimension 'sequence': 'input_ids' has 3 at axis 1, 'attention_mask' has 2"),
                // no dimension names: only the engine finds out
                Arguments.of("anonymous_add", "{\"inputs\":["
                        + "{\"name\":\"a\",\"datatype\":\"FP32\",\"shape\":[1,3],\"data\":[1,2,3]},"
                        + "{\"name\":\"b\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,1]}]}",
                        "the model cannot run on these inputs: its Add operator failed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputsTheModelCannotRunOn")
    void aClientsShapeErrorIsA400InOurWords(String model, String body, String message) {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = server.post("/v2/models/" + model + "/infer", body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            String error = RunningServer.parse(response.body()).get("error").asText();
            assertThat(error).contains(message)
                    .doesNotContain("/", ".h:", ".cc", "onnxruntime", "Ort", "Exception", "java.", "ai.");
        }
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void zipMapColumnsAndClassNamesFollowTheModelsOrder() {
        JsonNode zipmap = expected.get("zipmap_strings");
        HttpResponse<String> response = server.post("/v2/models/zipmap_strings/infer",
                "{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[3,2],\"data\":"
                        + zipmap.get("float_input") + "}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode outputs = RunningServer.parse(response.body()).get("outputs");
        JsonNode probabilities = null;
        JsonNode classNames = null;
        JsonNode labels = null;
        for (JsonNode output : outputs) {
            switch (output.get("name").asText()) {
                case "output_probability" -> probabilities = output;
                case "class_name" -> classNames = output;
                case "output_label" -> labels = output;
                default -> { }
            }
        }
        assertThat(probabilities.get("shape").toString()).isEqualTo("[3,3]");
        JsonNode rows = zipmap.get("probabilities");
        for (int i = 0; i < 9; i++) {
            assertThat(probabilities.get("data").get(i).asDouble()).as("element " + i)
                    .isCloseTo(rows.get(i / 3).get(i % 3).asDouble(), within(Tolerances.absolute(expected, "probabilities")));
        }
        assertThat(labels.get("data")).isEqualTo(zipmap.get("label"));
        assertThat(classNames.get("data")).isEqualTo(zipmap.get("label"));
    }
}
