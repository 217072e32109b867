package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readiness probe's reason when no model could be loaded: the server is up and will not become
 * ready by waiting, so the reason must not say the models are loading, and it says why the model failed.
 */
class ReadinessReasonTest {

    @Test
    void aRepositoryWhoseOnlyModelFailedSaysNoModelIsReady(@TempDir Path repo) throws Exception {
        Path version = Files.createDirectories(repo.resolve("broken").resolve("1"));
        Files.writeString(version.resolve("model.onnx"), "not an ONNX graph");
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo))) {
            HttpResponse<String> ready = server.get("/v2/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            JsonNode body = RunningServer.parse(ready.body());
            assertThat(body.get("ready").asBoolean()).isFalse();
            // with why the version failed, as the version's own readiness says it, and no server path
            String reason = body.get("reason").asText();
            assertThat(reason).startsWith("no model is ready: [broken=failed (cannot load ONNX model model.onnx of 'broken'"
                    + " version 1: ").endsWith(")]").doesNotContain(repo.toString());
            String cause = reason.substring("no model is ready: [broken=failed (".length(), reason.length() - 2);
            HttpResponse<String> model = server.get("/v2/models/broken/ready");
            assertThat(RunningServer.parse(model.body()).get("reason").asText()).endsWith(cause);
        }
    }
}
