package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;



import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens on the API: several tokens, wrong and missing ones, probes and metrics open or protected. */
class AuthenticationTest {

    static final String ALICE = "alice-token-0123456789abcdef";
    static final String BOB = "bob-token-fedcba9876543210";
    static final String IRIS = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
            + " \"data\": [5.1, 3.5, 1.4, 0.2]}]}";
    private static final List<String> PROBES = List.of("/health", "/ready", "/health/live", "/health/ready",
            "/v2/health/live", "/v2/health/ready");

    @TempDir
    Path repo;

    private RunningServer start(boolean probes, boolean metrics) {
        ServerConfig config = ServerConfig.defaults(RunningServer.irisOnly(repo));
        return new RunningServer(config.withSecurity(SecurityConfig.defaults()
                .withAuthTokens(List.of(ALICE, BOB), probes, metrics)));
    }

    private static HttpResponse<String> infer(RunningServer server, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v2/models/iris/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(IRIS));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return server.send(request.build());
    }

    private static void assertUnauthorized(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kubeserve\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(RunningServer.parse(response.body()).get("error").asText()).contains(message);
    }

    @Test
    void everyConfiguredTokenOpensTheApiAndNothingElseDoes() {
        try (RunningServer server = start(false, false)) {
            for (String token : List.of(ALICE, BOB)) {
                HttpResponse<String> ok = infer(server, token);
                assertThat(ok.statusCode()).as(token.substring(0, 3)).isEqualTo(200);
                assertThat(ok.body()).contains("setosa");
            }
            assertUnauthorized(infer(server, null), "needs a bearer token");
            assertUnauthorized(infer(server, ALICE + "x"), "not valid");
            assertUnauthorized(infer(server, ALICE.substring(0, ALICE.length() - 1)), "not valid");
            assertUnauthorized(infer(server, ALICE + "," + BOB), "not valid");
            HttpResponse<String> basic = server.send(HttpRequest.newBuilder(server.uri("/v2/models/iris"))
                    .header("Authorization", "Basic " + ALICE).build());
            assertUnauthorized(basic, "needs a bearer token");
            // the scheme name is case-insensitive (RFC 7235)
            HttpResponse<String> lower = server.send(HttpRequest.newBuilder(server.uri("/v2/models/iris"))
                    .header("Authorization", "bearer " + BOB).build());
            assertThat(lower.statusCode()).isEqualTo(200);

            // the rest of the API and the docs follow the API setting
            for (String path : List.of("/", "/v2", "/v1/models", "/v2/models/iris", "/docs", "/openapi.json",
                    "/nowhere")) {
                assertUnauthorized(server.get(path), "bearer token");
                assertThat(server.get(path, ALICE).statusCode()).as(path).isNotEqualTo(401);
            }
            // probes and metrics are open by default
            for (String path : PROBES) {
                assertThat(server.get(path).statusCode()).as(path).isEqualTo(200);
            }
            assertThat(server.get("/metrics").statusCode()).isEqualTo(200);
            // the repository API keeps its own admin token: no API token asked, its own refusal stays
            HttpResponse<String> repository = server.send(HttpRequest.newBuilder(server.uri("/v2/repository/index"))
                    .header("Authorization", "Bearer " + ALICE).POST(HttpRequest.BodyPublishers.noBody()).build());
            assertThat(repository.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void probesAndMetricsCanBeProtected() {
        try (RunningServer server = start(true, true)) {
            for (String path : PROBES) {
                assertUnauthorized(server.get(path), "bearer token");
                assertThat(server.get(path, BOB).statusCode()).as(path).isEqualTo(200);
            }
            assertUnauthorized(server.get("/metrics"), "bearer token");
            HttpResponse<String> metrics = server.get("/metrics", ALICE);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void tokensNeverReachTheLogOnlyTheirCount() {
        List<String> lines;
        try (LogCapture logs = LogCapture.start()) {
            try (RunningServer server = start(false, false)) {
                assertThat(infer(server, ALICE).statusCode()).isEqualTo(200);
                assertThat(infer(server, BOB + "-wrong").statusCode()).isEqualTo(401);
            }
            lines = logs.lines();
        }
        assertThat(lines).anyMatch(line -> line.contains("API authentication on, 2 token(s)"));
        assertThat(lines).noneMatch(line -> line.contains(ALICE) || line.contains(BOB)
                || line.contains(ALICE.substring(0, 12)) || line.contains(BOB.substring(0, 12)));
    }

    @Test
    void withoutTokensConfiguredNothingAsksForOne() {
        try (RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(repo)))) {
            assertThat(infer(server, null).statusCode()).isEqualTo(200);
            assertThat(infer(server, "anything-at-all-0123456789").statusCode()).isEqualTo(200);
            assertThat(server.get("/openapi.json").statusCode()).isEqualTo(200);
        }
    }
}
