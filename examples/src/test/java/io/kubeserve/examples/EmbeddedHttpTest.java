package io.kubeserve.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KubeServe's handler mounted under {@code /ml} in an application's own Undertow answers the Open
 * Inference Protocol as scikit-learn did, beside the application's own route, and the HTTP adapter
 * brought no logging backend or Kubernetes client along.
 */
class EmbeddedHttpTest {

    /** scikit-learn's own answers for the bundled iris model (the same file as iris_logreg.onnx). */
    private static final Path EXPECTED = Path.of("..", "kubeserve-server", "src", "test", "resources", "expected",
            "iris_logreg.expected.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static EmbeddedHttp app;

    @BeforeAll
    static void start() {
        app = new EmbeddedHttp(Path.of("models"), 0);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void theApplicationKeepsItsOwnRoute() throws Exception {
        HttpResponse<String> hello = send(HttpRequest.newBuilder(uri("/hello")).GET().build());
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("the application's own route");
    }

    @Test
    void v2InferUnderThePrefixAnswersAsScikitLearnDid() throws Exception {
        JsonNode expected = JSON.readTree(EXPECTED.toFile());
        JsonNode rows = expected.path("sample_inputs").path("float_input");
        ObjectNode input = JSON.createObjectNode().put("name", "float_input").put("datatype", "FP32");
        input.putArray("shape").add(rows.size()).add(4);
        ArrayNode data = input.putArray("data");
        rows.forEach(row -> row.forEach(data::add));
        ObjectNode request = JSON.createObjectNode();
        request.putArray("inputs").add(input);

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/ml/v2/models/iris/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))).build());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode outputs = JSON.readTree(response.body()).path("outputs");
        JsonNode labels = output(outputs, "output_label").path("data");
        JsonNode probabilities = output(outputs, "output_probability");
        double tolerance = expected.path("tolerance").path("probabilities").path("abs").asDouble();
        assertThat(tolerance).isPositive();
        assertThat(probabilities.path("shape").toString()).isEqualTo("[" + rows.size() + ",3]");
        for (int row = 0; row < rows.size(); row++) {
            assertThat(labels.get(row).asLong()).isEqualTo(expected.path("expected").path("label").get(row).asLong());
            for (int k = 0; k < 3; k++) {
                assertThat(probabilities.path("data").get(row * 3 + k).asDouble())
                        .isCloseTo(expected.path("expected").path("probabilities").get(row).get(k).asDouble(),
                                within(tolerance));
            }
        }
    }

    @Test
    void probesAndMetricsAreMountedToo() throws Exception {
        assertThat(send(HttpRequest.newBuilder(uri("/ml/v2/health/ready")).GET().build()).statusCode()).isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(uri("/ml/metrics")).GET().build()).body())
                .contains("inference_requests_total");
    }

    @Test
    void theAdapterBringsNoLoggingBackendAndNoKubernetesClient() {
        assertThatThrownBy(() -> Class.forName("ch.qos.logback.classic.Logger"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("io.fabric8.kubernetes.api.model.Pod"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("picocli.CommandLine"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    private static JsonNode output(JsonNode outputs, String name) {
        for (JsonNode output : outputs) {
            if (output.path("name").asText().equals(name)) {
                return output;
            }
        }
        throw new AssertionError("no output " + name + " in " + outputs);
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + app.port() + path);
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
