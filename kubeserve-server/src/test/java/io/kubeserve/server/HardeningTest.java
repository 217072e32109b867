package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;



import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Slow clients are cut off, oversized headers refused, no Server header, request ids echoed or made. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardeningTest {

    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

    @TempDir
    static Path repo;

    private RunningServer server;

    @BeforeAll
    void start() {
        server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(repo))
                .withSecurity(SecurityConfig.defaults().withTimeouts(HEADER_TIMEOUT, Duration.ofSeconds(30))));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aClientThatSendsHalfItsHeadersIsDisconnectedAndOthersAreServed() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", server.server.port())) {
            slow.setSoTimeout(15_000);
            OutputStream out = slow.getOutputStream();
            out.write("GET /v2/health/ready HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            // others are served while it dawdles
            assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
            InputStream in = slow.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (SocketException reset) {
                read = -1;
            }
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(read).as("the server closed the connection without answering").isEqualTo(-1);
            assertThat(waited).as("closed after the header timeout, not at once")
                    .isBetween(HEADER_TIMEOUT.toMillis() - 100, 12_000L);
        }
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(server.post("/v2/models/iris/infer", AuthenticationTest.IRIS).statusCode()).isEqualTo(200);
    }

    @Test
    void headersOverSixteenKibibytesAreRefused() throws Exception {
        String big = "a".repeat(20 * 1024);
        try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /v2 HTTP/1.1\r\nHost: localhost\r\nX-Big: " + big
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response;
            try {
                response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } catch (SocketException reset) {
                response = "";
            }
            assertThat(response).doesNotStartWith("HTTP/1.1 200");
        }
        // 8 KiB of headers are still fine
        HttpResponse<String> fine = server.send(HttpRequest.newBuilder(server.uri("/v2"))
                .header("X-Fine", "b".repeat(8 * 1024)).build());
        assertThat(fine.statusCode()).isEqualTo(200);
    }

    @Test
    void noServerHeaderIsSent() throws Exception {
        for (String path : List.of("/v2", "/nowhere", "/metrics")) {
            assertThat(server.get(path).headers().firstValue("Server")).as(path).isEmpty();
        }
        String raw = RateLimitTest.rawGet(server.server.port(), "127.0.0.1", "/v2");
        assertThat(raw).startsWith("HTTP/1.1 200");
        assertThat(raw.toLowerCase(java.util.Locale.ROOT)).doesNotContain("\nserver:");
    }

    @Test
    void aValidRequestIdIsEchoedAndOthersAreReplaced() {
        HttpResponse<String> echoed = server.send(HttpRequest.newBuilder(server.uri("/v2"))
                .header("X-Request-ID", "trace-42_A.b").build());
        assertThat(echoed.headers().firstValue("X-Request-ID")).hasValue("trace-42_A.b");

        String generated = server.get("/v2").headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(generated).matches("[0-9a-f]{32}");
        assertThat(server.get("/v2").headers().firstValue("X-Request-ID")).isPresent().get().isNotEqualTo(generated);

        for (String bad : List.of("a".repeat(65), "has space", "semi;colon", "slash/es")) {
            HttpResponse<String> replaced = server.send(HttpRequest.newBuilder(server.uri("/v2"))
                    .header("X-Request-ID", bad).build());
            assertThat(replaced.headers().firstValue("X-Request-ID")).as(bad).isPresent().get()
                    .asString().matches("[0-9a-f]{32}");
        }
        HttpResponse<String> sixtyFour = server.send(HttpRequest.newBuilder(server.uri("/v2"))
                .header("X-Request-ID", "b".repeat(64)).build());
        assertThat(sixtyFour.headers().firstValue("X-Request-ID")).hasValue("b".repeat(64));

        // errors carry it too
        HttpResponse<String> notFound = server.send(HttpRequest.newBuilder(server.uri("/nowhere"))
                .header("X-Request-ID", "lost-1").build());
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("X-Request-ID")).hasValue("lost-1");
    }
}
