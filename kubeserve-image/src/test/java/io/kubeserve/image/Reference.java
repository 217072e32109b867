package io.kubeserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The example models' reference outputs (kubeserve-core's copies of the team's
 * {@code *.expected.json}: scikit-learn's and PyTorch's own answers on 20 held-out iris rows) and
 * the V2 requests that check a running server against them.
 */
final class Reference {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = Path.of(System.getProperty("kubeserve.root", "..")).toAbsolutePath().normalize();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Reference() {
    }

    static JsonNode expected(String name) throws IOException {
        return JSON.readTree(ROOT.resolve("kubeserve-core/src/test/resources/models/" + name + ".expected.json").toFile());
    }

    /** A V2 request of the 20 sample rows of {@code input} as FP32 {@code [20, 4]}. */
    static String v2Request(JsonNode expected, String input) {
        JsonNode rows = expected.get("sample_inputs").get(input);
        StringBuilder data = new StringBuilder();
        for (JsonNode row : rows) {
            for (JsonNode value : row) {
                data.append(data.length() == 0 ? "" : ",").append(value.floatValue());
            }
        }
        return "{\"inputs\":[{\"name\":\"" + input + "\",\"datatype\":\"FP32\",\"shape\":[" + rows.size() + ",4],\"data\":["
                + data + "]}]}";
    }

    static HttpResponse<String> post(String base, String path, String body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String base, String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs the iris reference rows to {@code model} over V2; asserts labels and probabilities. */
    static void assertIris(String base, String model) throws Exception {
        JsonNode expected = expected("iris_logreg");
        HttpResponse<String> response = post(base, "/v2/models/" + model + "/infer", v2Request(expected, "float_input"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode outputs = JSON.readTree(response.body()).get("outputs");
        JsonNode labels = output(outputs, "output_label").get("data");
        JsonNode probabilities = output(outputs, "output_probability").get("data");
        JsonNode wantLabels = expected.get("expected").get("label");
        JsonNode wantProbabilities = expected.get("expected").get("probabilities");
        double tolerance = expected.get("tolerance").get("probabilities").get("abs").asDouble();
        assertThat(labels).hasSize(wantLabels.size());
        for (int i = 0; i < wantLabels.size(); i++) {
            assertThat(labels.get(i).asLong()).as("label of row %d", i).isEqualTo(wantLabels.get(i).asLong());
            for (int c = 0; c < 3; c++) {
                assertThat(probabilities.get(i * 3 + c).asDouble()).as("probability %d of row %d", c, i)
                        .isCloseTo(wantProbabilities.get(i).get(c).asDouble(), within(tolerance));
            }
        }
    }

    /** POSTs the MLP reference rows to {@code model} over V2; asserts its softmax scores. */
    static void assertMlp(String base, String model) throws Exception {
        JsonNode expected = expected("mlp_torch");
        HttpResponse<String> response = post(base, "/v2/models/" + model + "/infer", v2Request(expected, "input"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode scores = output(JSON.readTree(response.body()).get("outputs"), "output").get("data");
        JsonNode want = expected.get("expected").get("output");
        double tolerance = expected.get("tolerance").get("output").get("abs").asDouble();
        assertThat(scores).hasSize(want.size() * 3);
        for (int i = 0; i < want.size(); i++) {
            for (int c = 0; c < 3; c++) {
                assertThat(scores.get(i * 3 + c).asDouble()).as("score %d of row %d", c, i)
                        .isCloseTo(want.get(i).get(c).asDouble(), within(tolerance));
            }
        }
    }

    private static JsonNode output(JsonNode outputs, String name) {
        for (JsonNode output : outputs) {
            if (output.get("name").asText().equals(name)) {
                return output;
            }
        }
        throw new AssertionError("no output " + name + " in " + outputs);
    }
}
