package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model names as clients write them in URLs, percent-encoded UTF-8 (issue 12, kind 10): the iris
 * model under unicode, spaced and punctuated names, served on every protocol with scikit-learn's
 * answer; names the repository refuses are unknown models, and the server stays healthy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelNamesOverHttpTest {

    private static final List<String> NAMES = List.of("modèle", "模型", "my model", "a+b", "100%", "v1.2", "Ωmega");

    @TempDir
    static Path repo;

    private RunningServer server;
    private JsonNode iris;

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")),
                "the JVM reads file names as UTF-8 (LANG=C.UTF-8)");
        for (String name : NAMES) {
            Files.createDirectories(repo.resolve(name).resolve("1"));
            Files.copy(RunningServer.EXAMPLES.resolve("iris/1/model.onnx"), repo.resolve(name).resolve("1/model.onnx"));
        }
        // refused by the naming rule: never a model, whatever the URL
        for (String refused : List.of(".hidden", "emoji😀")) {
            Files.createDirectories(repo.resolve(refused).resolve("1"));
            Files.copy(RunningServer.EXAMPLES.resolve("iris/1/model.onnx"), repo.resolve(refused).resolve("1/model.onnx"));
        }
        server = new RunningServer(ServerConfig.defaults(repo).withDefaultModel("modèle"));
        iris = RunningServer.expected("iris_logreg");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Percent-encoded UTF-8, a space as %20 (URLEncoder writes form encoding, where it is '+'). */
    static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    Stream<Arguments> names() {
        return NAMES.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("names")
    void aPercentEncodedNameReachesItsModelOnEveryProtocol(String name) {
        String row = iris.get("sample_inputs").get("float_input").get(0).toString();
        int label = iris.get("expected").get("label").get(0).asInt();
        String path = encode(name);

        HttpResponse<String> v2 = server.post("/v2/models/" + path + "/infer", "{\"inputs\": [{\"name\": \"float_input\","
                + " \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": " + row + "}]}");
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(200);
        JsonNode answer = RunningServer.parse(v2.body());
        assertThat(answer.get("model_name").asText()).isEqualTo(name);
        assertThat(answer.get("outputs").get(0).get("data").get(0).asInt()).isEqualTo(label);

        HttpResponse<String> v1 = server.post("/v1/models/" + path + ":predict", "{\"instances\": [" + row + "]}");
        assertThat(v1.statusCode()).as(v1.body()).isEqualTo(200);

        assertThat(server.get("/v2/models/" + path + "/ready").statusCode()).isEqualTo(200);
        assertThat(server.get("/v2/models/" + path + "/versions/1/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> metadata = server.get("/v2/models/" + path);
        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(RunningServer.parse(metadata.body()).get("name").asText()).isEqualTo(name);
    }

    @Test
    void theDefaultModelMayHaveAUnicodeName() {
        String row = iris.get("sample_inputs").get("float_input").get(0).toString();
        HttpResponse<String> seed = server.post("/predict", "{\"data\": [" + row + "]}");
        assertThat(seed.statusCode()).as(seed.body()).isEqualTo(200);
    }

    @Test
    void theModelListShowsTheNamesAsWritten() {
        HttpResponse<String> models = server.get("/v1/models");
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(RunningServer.parse(models.body()).toString()).contains("modèle", "模型", "my model", "Ωmega")
                .doesNotContain(".hidden", "emoji");
    }

    @Test
    void aRefusedOrMalformedNameIsAnUnknownModelAndTheServerCarriesOn() {
        for (String path : List.of(".hidden", "%2Ehidden", encode("emoji😀"), "mod%C3%A8le%20", "%C3%28", "%FF", "no-such-model")) {
            HttpResponse<String> response = server.post("/v2/models/" + path + "/infer", "{\"inputs\": []}");
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(404);
            assertThat(RunningServer.parse(response.body()).get("error").asText()).isNotEmpty();
        }
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
    }
}
