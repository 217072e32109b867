package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ServerMetadataRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model repository extension over HTTP: admin token, index, load, unload, clear errors. */
class RepositoryApiTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private static final String IRIS = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
            + " \"data\": [5.1, 3.5, 1.4, 0.2]}]}";

    @TempDir
    Path repo;

    private RunningServer start(String mode, String token) throws Exception {
        return start(mode, token, 0);
    }

    /** {@code grpcPort} 0: no gRPC listener. */
    private RunningServer start(String mode, String token, int grpcPort) throws Exception {
        Files.createDirectories(repo.resolve("iris/1"));
        Files.copy(RunningServer.EXAMPLES.resolve("iris/1/model.onnx"), repo.resolve("iris/1/model.onnx"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(RunningServer.EXAMPLES.resolve("iris/labels.txt"), repo.resolve("iris/labels.txt"),
                StandardCopyOption.REPLACE_EXISTING);
        return new RunningServer(ServerConfig.defaults(repo).toBuilder().controlMode(mode).adminToken(token)
                .requiredModels(Set.of("iris")).build().withGrpcPort(grpcPort));
    }

    private HttpResponse<String> admin(RunningServer server, String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return server.send(request.build());
    }

    @Test
    void loadUnloadAndIndexWithTheAdminToken() throws Exception {
        try (RunningServer server = start("explicit", TOKEN)) {
            JsonNode index = RunningServer.parse(admin(server, "/v2/repository/index", TOKEN).body());
            assertThat(index.get(0).get("name").asText()).isEqualTo("iris");
            assertThat(index.get(0).get("state").asText()).isEqualTo("READY");

            HttpResponse<String> unloaded = admin(server, "/v2/repository/models/iris/unload", TOKEN);
            assertThat(unloaded.statusCode()).isEqualTo(200);
            assertThat(RunningServer.parse(unloaded.body()).get("versions").get(0).get("state").asText())
                    .isEqualTo("UNLOADED");
            assertThat(server.post("/v2/models/iris/infer", IRIS).statusCode()).isEqualTo(503);
            assertThat(server.get("/v2/health/ready").statusCode()).as("iris is required").isEqualTo(503);
            assertThat(RunningServer.parse(admin(server, "/v2/repository/index", TOKEN).body()).get(0).get("state")
                    .asText()).isEqualTo("UNLOADED");

            Files.createDirectories(repo.resolve("iris/2"));
            Files.copy(repo.resolve("iris/1/model.onnx"), repo.resolve("iris/2/model.onnx"));
            HttpResponse<String> reloaded = admin(server, "/v2/repository/models/iris/load", TOKEN);
            assertThat(reloaded.statusCode()).isEqualTo(200);
            assertThat(RunningServer.parse(reloaded.body()).get("serving_version").asText()).isEqualTo("2");
            HttpResponse<String> after = server.post("/v2/models/iris/infer", IRIS);
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(RunningServer.parse(after.body()).get("model_version").asText()).isEqualTo("2");
            assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);

            HttpResponse<String> unknown = admin(server, "/v2/repository/models/ghost/load", TOKEN);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("model 'ghost' is not known");

            Files.createDirectories(repo.resolve("broken/1"));
            Files.writeString(repo.resolve("broken/1/model.onnx"), "not onnx");
            HttpResponse<String> broken = admin(server, "/v2/repository/models/broken/load", TOKEN);
            assertThat(broken.statusCode()).isEqualTo(400);
            assertThat(broken.body()).contains("failed to load", "cannot load ONNX model");
            assertThat(server.post("/v2/models/iris/infer", IRIS).statusCode()).isEqualTo(200);
        }
    }

    /** Field case 19: a corrupt new version is a failed load, said so, while the old version keeps serving. */
    @Test
    void aLoadThatFailsSaysWhyAndTheServingVersionStays() throws Exception {
        JsonNode expected = RunningServer.expected("iris_logreg");
        String row = expected.get("sample_inputs").get("float_input").get(0).toString();
        int label = expected.get("expected").get("label").get(0).asInt();
        String request = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
                + " \"data\": " + row + "}]}";
        try (RunningServer server = start("explicit", TOKEN)) {
            Files.createDirectories(repo.resolve("iris/2"));
            Files.writeString(repo.resolve("iris/2/model.onnx"), "garbage");

            for (int attempt = 1; attempt <= 2; attempt++) {
                // the second time the files are unchanged: the load is tried again and fails again, not a silent 200
                HttpResponse<String> failed = admin(server, "/v2/repository/models/iris/load", TOKEN);
                assertThat(failed.statusCode()).as("attempt %d: %s", attempt, failed.body()).isEqualTo(400);
                JsonNode body = RunningServer.parse(failed.body());
                assertThat(body.get("error").asText()).contains("model 'iris' failed to load", "version 2:",
                        "version 1 keeps serving");
                assertThat(body.get("name").asText()).isEqualTo("iris");
                assertThat(body.get("serving_version").asText()).isEqualTo("1");
                assertThat(state(body, "2")).isEqualTo("FAILED");
                assertThat(body.get("versions").findValue("reason").asText()).isNotEmpty();
                assertThat(state(body, "1")).isEqualTo("READY");

                HttpResponse<String> infer = server.post("/v2/models/iris/infer", request);
                assertThat(infer.statusCode()).isEqualTo(200);
                JsonNode answer = RunningServer.parse(infer.body());
                assertThat(answer.get("model_version").asText()).isEqualTo("1");
                assertThat(answer.get("outputs").get(0).get("data").get(0).asInt()).isEqualTo(label);
                assertThat(server.get("/v2/models/iris/ready").statusCode()).isEqualTo(200);
                assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
            }

            Files.copy(repo.resolve("iris/1/model.onnx"), repo.resolve("iris/2/model.onnx"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            HttpResponse<String> loaded = admin(server, "/v2/repository/models/iris/load", TOKEN);
            assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
            JsonNode body = RunningServer.parse(loaded.body());
            assertThat(body.has("error")).isFalse();
            assertThat(body.get("name").asText()).isEqualTo("iris");
            assertThat(body.get("serving_version").asText()).isEqualTo("2");
            assertThat(state(body, "2")).isEqualTo("READY");
            HttpResponse<String> infer = server.post("/v2/models/iris/infer", request);
            assertThat(RunningServer.parse(infer.body()).get("model_version").asText()).isEqualTo("2");
            assertThat(RunningServer.parse(infer.body()).get("outputs").get(0).get("data").get(0).asInt()).isEqualTo(label);

            HttpResponse<String> unloaded = admin(server, "/v2/repository/models/iris/unload", TOKEN);
            assertThat(unloaded.statusCode()).isEqualTo(200);
            JsonNode after = RunningServer.parse(unloaded.body());
            assertThat(after.get("serving_version").isNull()).isTrue();
            assertThat(after.get("versions")).allSatisfy(v -> assertThat(v.get("state").asText()).isEqualTo("UNLOADED"));
        }
    }

    @Test
    void aModelWithNoLoadableVersionIsAFailedLoadWithNothingServing() throws Exception {
        try (RunningServer server = start("explicit", TOKEN)) {
            Files.createDirectories(repo.resolve("empty/not-a-version"));
            HttpResponse<String> empty = admin(server, "/v2/repository/models/empty/load", TOKEN);
            assertThat(empty.statusCode()).isEqualTo(400);
            JsonNode body = RunningServer.parse(empty.body());
            assertThat(body.get("error").asText()).contains("model 'empty' failed to load", "no version");
            assertThat(body.get("serving_version").isNull()).isTrue();
            assertThat(server.post("/v2/models/iris/infer", IRIS).statusCode()).isEqualTo(200);
        }
    }

    private static String state(JsonNode body, String version) {
        for (JsonNode status : body.get("versions")) {
            if (status.get("version").asText().equals(version)) {
                return status.get("state").asText();
            }
        }
        throw new AssertionError("no version " + version + " in " + body);
    }

    @Test
    void withoutTheRightTokenTheApiRefuses() throws Exception {
        try (RunningServer server = start("explicit", TOKEN)) {
            HttpResponse<String> none = admin(server, "/v2/repository/index", null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kubeserve-admin\"");
            HttpResponse<String> wrong = admin(server, "/v2/repository/models/iris/unload", TOKEN + "x");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("not valid");
            assertThat(server.post("/v2/models/iris/infer", IRIS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void outsideExplicitModeTheApiIsOff() throws Exception {
        try (RunningServer server = start("none", null)) {
            HttpResponse<String> response = admin(server, "/v2/repository/index", TOKEN);
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).contains("--model-control-mode explicit");
            // server metadata does not list the extension it refuses
            assertThat(RunningServer.parse(server.get("/v2").body()).get("extensions").toString())
                    .isEqualTo("[\"binary_tensor_data\"]");
        }
    }

    /**
     * Both protocols' server metadata list the model repository extension exactly when its API is
     * on: explicit model control and an admin token. A token alone (control mode poll or none)
     * leaves the API off, and the extension unlisted. The start-up log says which, and why the API
     * is off when only half of it was asked for, never with the token.
     */
    @Test
    void serverMetadataListsTheRepositoryExtensionOnlyWhileTheApiIsOn() throws Exception {
        record Case(String mode, String token, boolean on, String logged) { }
        for (Case c : List.of(new Case("explicit", TOKEN, true, "model repository API on"),
                new Case("none", TOKEN, false, "an admin token is set but the model repository API is off"),
                new Case("poll", TOKEN, false, "an admin token is set but the model repository API is off"),
                new Case("explicit", null, false, "model control mode explicit but no admin token"))) {
            int grpcPort = TestTools.freePort();
            try (LogCapture logs = LogCapture.start(); RunningServer server = start(c.mode(), c.token(), grpcPort)) {
                assertThat(logs.lines()).as("start-up log in %s", c).anyMatch(line -> line.contains(c.logged()))
                        .noneMatch(line -> line.contains(TOKEN));
                assertThat(RunningServer.parse(server.get("/v2").body()).get("extensions").toString())
                        .as("GET /v2 in %s", c)
                        .isEqualTo(c.on() ? "[\"binary_tensor_data\",\"model_repository\"]" : "[\"binary_tensor_data\"]");
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
                try {
                    List<String> extensions = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList();
                    assertThat(extensions).as("gRPC ServerMetadata in %s", c)
                            .isEqualTo(c.on() ? List.of("model_repository", "statistics") : List.of("statistics"));
                } finally {
                    channel.shutdownNow();
                }
            }
        }
    }

    @Test
    void pollModePicksUpANewVersion() throws Exception {
        Files.createDirectories(repo.resolve("iris/1"));
        Files.copy(RunningServer.EXAMPLES.resolve("iris/1/model.onnx"), repo.resolve("iris/1/model.onnx"));
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo).toBuilder().controlMode("poll")
                .pollInterval(java.time.Duration.ofSeconds(1)).build())) {
            Files.createDirectories(repo.resolve("iris/2"));
            Files.copy(repo.resolve("iris/1/model.onnx"), repo.resolve("iris/2/model.onnx"));
            // every answer meanwhile is a 200 (an assertion failing in the condition ends the wait)
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
                HttpResponse<String> response = server.post("/v2/models/iris/infer", IRIS);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                return RunningServer.parse(response.body()).get("model_version").asText().equals("2");
            });
            assertThat(server.get("/metrics").body()).contains("model_loaded{model=\"iris\",version=\"2\"} 1.0");
        }
    }
}
