package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint of a real server, called over loopback; predictions are compared with what
 * scikit-learn and PyTorch computed for the same rows.
 */
class EndpointsTest {

    private static RunningServer server;
    private static JsonNode iris;
    private static JsonNode mlp;

    @BeforeAll
    static void start() {
        server = new RunningServer(io.kubeserve.server.ServerConfig.defaults(RunningServer.EXAMPLES));
        iris = RunningServer.expected("iris_logreg");
        mlp = RunningServer.expected("mlp_torch");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void v2JsonInferMatchesScikitLearnForTheTwentyRows() {
        JsonNode rows = iris.get("sample_inputs").get("float_input");
        String body = "{\"id\": \"batch-1\", \"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": ["
                + rows.size() + ", 4], \"data\": " + rows + "}]}";
        HttpResponse<String> response = server.post("/v2/models/iris/infer", body);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = RunningServer.parse(response.body());
        assertThat(json.get("model_name").asText()).isEqualTo("iris");
        assertThat(json.get("model_version").asText()).isEqualTo("1");
        assertThat(json.get("id").asText()).isEqualTo("batch-1");
        JsonNode labels = output(json, "output_label");
        JsonNode probabilities = output(json, "output_probability");
        JsonNode names = output(json, "class_name");
        assertThat(probabilities.get("shape").toString()).isEqualTo("[" + rows.size() + ",3]");
        String[] classes = {"setosa", "versicolor", "virginica"};
        for (int row = 0; row < rows.size(); row++) {
            int label = iris.get("expected").get("label").get(row).asInt();
            assertThat(labels.get("data").get(row).asInt()).isEqualTo(label);
            assertThat(names.get("data").get(row).asText()).isEqualTo(classes[label]);
            for (int c = 0; c < 3; c++) {
                assertThat(probabilities.get("data").get(row * 3 + c).asDouble())
                        .isCloseTo(iris.get("expected").get("probabilities").get(row).get(c).asDouble(),
                                within(Tolerances.absolute(iris, "probabilities")));
            }
        }
    }

    @Test
    void v2VersionedInferOfTheTorchScriptModelMatchesPyTorch() {
        JsonNode rows = mlp.get("sample_inputs").get("input");
        for (int row = 0; row < rows.size(); row++) {
            String body = "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": "
                    + rows.get(row) + "}], \"outputs\": [{\"name\": \"output\"}]}";
            HttpResponse<String> response = server.post("/v2/models/mlp/versions/1/infer", body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode json = RunningServer.parse(response.body());
            assertThat(json.get("outputs")).hasSize(1);
            JsonNode data = output(json, "output").get("data");
            for (int c = 0; c < 3; c++) {
                assertThat(data.get(c).asDouble())
                        .isCloseTo(mlp.get("expected").get("output").get(row).get(c).asDouble(),
                                within(Tolerances.absolute(mlp, "output")));
            }
        }
    }

    @Test
    void v2BinaryTensorsBothWays() {
        JsonNode rows = iris.get("sample_inputs").get("float_input");
        String header = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [2, 4],"
                + " \"parameters\": {\"binary_data_size\": 32}}],"
                + " \"outputs\": [{\"name\": \"output_probability\", \"parameters\": {\"binary_data\": true}},"
                + " {\"name\": \"output_label\"}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(json.length + 32).order(ByteOrder.LITTLE_ENDIAN).put(json);
        for (int row = 0; row < 2; row++) {
            for (int c = 0; c < 4; c++) {
                body.putFloat((float) rows.get(row).get(c).asDouble());
            }
        }
        HttpResponse<byte[]> response = server.sendBytes(HttpRequest.newBuilder(server.uri("/v2/models/iris/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(json.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build());

        assertThat(response.statusCode()).isEqualTo(200);
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        JsonNode meta = RunningServer.parse(new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8));
        assertThat(output(meta, "output_probability").get("parameters").get("binary_data_size").asInt()).isEqualTo(24);
        assertThat(output(meta, "output_label").get("data").get(1).asInt())
                .isEqualTo(iris.get("expected").get("label").get(1).asInt());
        ByteBuffer probabilities = ByteBuffer.wrap(response.body(), jsonLength, 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            assertThat((double) probabilities.getFloat())
                    .isCloseTo(iris.get("expected").get("probabilities").get(i / 3).get(i % 3).asDouble(),
                            within(Tolerances.absolute(iris, "probabilities")));
        }
    }

    @Test
    void v1PredictGivesClassesAndProbabilities() {
        JsonNode rows = iris.get("sample_inputs").get("float_input");
        HttpResponse<String> response = server.post("/v1/models/iris:predict",
                "{\"instances\": [" + rows.get(0) + ", " + rows.get(1) + "]}");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = RunningServer.parse(response.body());
        assertThat(json.get("predictions").get(0).asInt()).isEqualTo(iris.get("expected").get("label").get(0).asInt());
        assertThat(json.get("predictions").get(1).asInt()).isEqualTo(iris.get("expected").get("label").get(1).asInt());
        assertThat(json.get("probabilities").get(1).get(2).asDouble())
                .isCloseTo(iris.get("expected").get("probabilities").get(1).get(2).asDouble(),
                        within(Tolerances.absolute(iris, "probabilities")));
        assertThat(json.get("model_name").asText()).isEqualTo("iris");
        assertThat(json.get("model_version").asText()).isEqualTo("1");
    }

    @Test
    void v1ModelListAndStatus() {
        List<String> models = new ArrayList<>();
        RunningServer.parse(server.get("/v1/models").body()).get("models").forEach(name -> models.add(name.asText()));
        assertThat(models).containsExactly("iris", "mlp");
        JsonNode status = RunningServer.parse(server.get("/v1/models/mlp").body());
        assertThat(status.get("ready").asBoolean()).isTrue();
        assertThat(status.get("platform").asText()).isEqualTo("pytorch_libtorch");
        assertThat(server.get("/v1/models/ghost").statusCode()).isEqualTo(404);
    }

    @Test
    void seedPredictBatchAndSingle() {
        try (RunningServer seed = new RunningServer(
                io.kubeserve.server.ServerConfig.defaults(RunningServer.EXAMPLES).withDefaultModel("iris"))) {
            JsonNode rows = iris.get("sample_inputs").get("float_input");
            JsonNode labels = iris.get("expected").get("label");
            HttpResponse<String> batch = seed.post("/predict", "{\"data\": [" + rows.get(0) + ", " + rows.get(1) + "]}");
            assertThat(batch.statusCode()).isEqualTo(200);
            JsonNode answer = RunningServer.parse(batch.body());
            assertThat(fieldNames(answer)).containsExactlyInAnyOrder("predictions", "model_loaded");
            assertThat(answer.get("predictions")).hasSize(2);
            assertThat(answer.get("predictions").get(0).asInt()).isEqualTo(labels.get(0).asInt());
            assertThat(answer.get("predictions").get(1).asInt()).isEqualTo(labels.get(1).asInt());
            assertThat(answer.get("model_loaded").asBoolean()).isTrue();

            JsonNode single = RunningServer.parse(seed.post("/predict",
                    "{\"features\": " + rows.get(0) + ", \"request_id\": \"r1\"}").body());
            int label = labels.get(0).asInt();
            assertThat(single.get("prediction").asInt()).isEqualTo(label);
            assertThat(single.get("class_name").asText()).isEqualTo(new String[] {"setosa", "versicolor", "virginica"}[label]);
            // the probability scikit-learn gave the predicted class
            assertThat(single.get("confidence").asDouble()).isCloseTo(
                    iris.get("expected").get("probabilities").get(0).get(label).asDouble(),
                    within(Tolerances.absolute(iris, "probabilities")));
            assertThat(single.get("model_version").asText()).isEqualTo("1");
            assertThat(single.get("request_id").asText()).isEqualTo("r1");
        }
    }

    @Test
    void seedPredictPicksTheModelNamedInTheQuery() {
        // mlp has no class names: the seed API answers the arg-max of the scores PyTorch gave
        JsonNode rows = mlp.get("sample_inputs").get("input");
        JsonNode scores = mlp.get("expected").get("output");
        HttpResponse<String> response = server.post("/predict?model=mlp", "{\"data\": [" + rows.get(0) + "]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        int argmax = 0;
        for (int k = 1; k < scores.get(0).size(); k++) {
            if (scores.get(0).get(k).asDouble() > scores.get(0).get(argmax).asDouble()) {
                argmax = k;
            }
        }
        assertThat(RunningServer.parse(response.body()).get("predictions").get(0).asInt()).isEqualTo(argmax);

        HttpResponse<String> unknown = server.post("/predict?model=nope", "{\"data\": [" + rows.get(0) + "]}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("nope");
    }

    @Test
    void seedPredictWithSeveralModelsAndNoDefaultSaysHowToChoose() {
        HttpResponse<String> response = server.post("/predict", "{\"data\": [[5.1, 3.5, 1.4, 0.2]]}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("--default-model");
    }

    @Test
    void v2MetadataAndReadiness() {
        JsonNode v2 = RunningServer.parse(server.get("/v2").body());
        assertThat(v2.get("name").asText()).isEqualTo("kubeserve");
        assertThat(v2.get("extensions").toString()).contains("binary_tensor_data");
        JsonNode model = RunningServer.parse(server.get("/v2/models/iris").body());
        assertThat(model.get("platform").asText()).isEqualTo("onnxruntime_onnx");
        assertThat(model.get("inputs").get(0).get("name").asText()).isEqualTo("float_input");
        assertThat(model.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,4]");
        assertThat(server.get("/v2/models/iris/versions/1").statusCode()).isEqualTo(200);
        assertThat(server.get("/v2/models/iris/versions/9").statusCode()).isEqualTo(404);
        assertThat(server.get("/v2/models/iris/ready").statusCode()).isEqualTo(200);
        assertThat(server.get("/v2/models/iris/versions/1/ready").statusCode()).isEqualTo(200);
        assertThat(server.get("/v2/models/ghost/ready").statusCode()).isEqualTo(404);
    }

    /** RFC 9110 §6.6.1: an origin server with a clock dates its 2xx, 3xx and 4xx answers (IMF-fixdate, §5.6.7). */
    @Test
    void everyAnswerCarriesTheDateOnce() {
        java.time.format.DateTimeFormatter imfFixdate = java.time.format.DateTimeFormatter
                .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US).withZone(java.time.ZoneOffset.UTC);
        List<HttpResponse<String>> answers = List.of(server.get("/v2/health/ready"), server.get("/v2/models/nope"),
                server.post("/v2/models/iris/infer", "{\"inputs\": []}"),
                server.post("/v2/models/iris/infer", "{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}"));
        assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 404, 400, 200);
        for (HttpResponse<String> answer : answers) {
            List<String> dates = answer.headers().allValues("date");
            assertThat(dates).as("%s", answer.uri()).hasSize(1);
            java.time.Instant date = java.time.Instant.from(imfFixdate.parse(dates.get(0)));
            assertThat(date).isBetween(java.time.Instant.now().minusSeconds(30), java.time.Instant.now().plusSeconds(1));
        }
    }

    @Test
    void healthProbes() {
        for (String path : new String[] {"/health", "/ready", "/health/live", "/health/ready", "/v2/health/live",
            "/v2/health/ready"}) {
            assertThat(server.get(path).statusCode()).as(path).isEqualTo(200);
        }
        JsonNode health = RunningServer.parse(server.get("/health").body());
        assertThat(fieldNames(health)).containsExactlyInAnyOrder("status", "model_loaded");
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("model_loaded").asBoolean()).isTrue();
        JsonNode info = RunningServer.parse(server.get("/").body());
        assertThat(info.get("models")).hasSize(2);
        assertThat(info.get("links").get("docs").asText()).isEqualTo("/docs");
    }

    @Test
    void metricsAreBoundedAndFitTheDashboardQueries() {
        server.post("/v2/models/iris/infer", "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\","
                + " \"shape\": [1, 4], \"data\": [5.1, 3.5, 1.4, 0.2]}]}");
        server.post("/v2/models/iris/infer", "{\"inputs\": []}");
        server.post("/v2/models/random-name-1/infer", "{}");
        server.post("/v2/models/random-name-2/infer", "{}");
        HttpResponse<String> metrics = server.get("/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        String text = metrics.body();
        assertThat(text).contains("inference_requests_total{model=\"iris\",protocol=\"v2\",status=\"success\"}");
        assertThat(text).containsPattern("inference_requests_total\\{model=\"iris\",protocol=\"v2\",status=\"invalid_input\"} [1-9]");
        assertThat(text).contains("inference_request_duration_seconds_bucket{model=\"iris\",protocol=\"v2\",le=\"0.001\"}");
        assertThat(text).contains("inference_errors_total{code=\"model_not_found\",protocol=\"v2\"} 2.0");
        assertThat(text).contains("model_loaded{model=\"iris\",version=\"1\"} 1.0");
        assertThat(text).containsPattern("model_version_info\\{model=\"mlp\",platform=\"pytorch_libtorch\",version=\"1\"} 1");
        // scheduling of the iris version that answered: queue and compute histograms, batches, counts
        assertThat(text).containsPattern("model_queue_duration_seconds_bucket\\{model=\"iris\",version=\"1\",le=\"0.001\"} ")
                .containsPattern("model_queue_duration_seconds_count\\{model=\"iris\",version=\"1\"} [1-9]")
                .containsPattern("model_compute_duration_seconds_bucket\\{model=\"iris\",version=\"1\",le=\"10.0\"} [1-9]")
                .containsPattern("model_batch_size_bucket\\{model=\"iris\",version=\"1\",le=\"1024.0\"} [1-9]")
                .containsPattern("model_executions_total\\{model=\"iris\",version=\"1\"} [1-9]")
                .containsPattern("model_inferences_total\\{model=\"iris\",version=\"1\"} [1-9]")
                .containsPattern("model_requests_executed_total\\{model=\"iris\",version=\"1\"} [1-9]")
                .containsPattern("model_queue_depth\\{model=\"mlp\",version=\"1\"} 0")
                .containsPattern("model_inflight_requests\\{model=\"iris\",version=\"1\"} [0-9]");
        assertThat(text).contains("jvm_memory_used_bytes", "process_cpu_usage", "jvm_threads_live_threads");
        assertThat(text).doesNotContain("random-name");
    }

    @Test
    void swaggerUiIsServedFromTheJar() {
        HttpResponse<String> page = server.get("/docs");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui-bundle.js", "/openapi.json");
        assertThat(server.get("/docs/swagger-ui-bundle.js").statusCode()).isEqualTo(200);
        assertThat(server.get("/docs/swagger-ui.css").statusCode()).isEqualTo(200);
        assertThat(server.get("/docs/..%2F..%2Fetc%2Fpasswd").statusCode()).isEqualTo(404);
    }

    private static JsonNode output(JsonNode response, String name) {
        for (JsonNode output : response.get("outputs")) {
            if (output.get("name").asText().equals(name)) {
                return output;
            }
        }
        throw new AssertionError("no output " + name + " in " + response);
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
