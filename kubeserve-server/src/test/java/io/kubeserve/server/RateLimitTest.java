package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;



import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-client rate limits: the burst passes, then 429 with Retry-After; others and probes are not affected. */
class RateLimitTest {

    private static final int RATE = 1;
    private static final int BURST = 4;

    @TempDir
    Path repo;

    /** Requests until the first refusal; returns how many passed, and the refusal. */
    private static Exhausted exhaust(RunningServer server, String token) {
        long start = System.nanoTime();
        int passed = 0;
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> response = server.get("/v2/models/iris", token);
            if (response.statusCode() == 429) {
                double seconds = (System.nanoTime() - start) / 1e9;
                return new Exhausted(passed, response, seconds);
            }
            assertThat(response.statusCode()).isEqualTo(200);
            passed++;
        }
        throw new AssertionError("never limited after 100 requests");
    }

    private record Exhausted(int passed, HttpResponse<String> refusal, double seconds) {
    }

    private static void assertLimitedAfterTheBurst(Exhausted run) {
        // rate + burst at once, plus what refilled while the requests were being sent
        assertThat(run.passed()).isBetween(RATE + BURST, RATE + BURST + (int) Math.ceil(run.seconds() * RATE));
        HttpResponse<String> refusal = run.refusal();
        assertThat(refusal.headers().firstValue("Retry-After")).isPresent();
        assertThat(Long.parseLong(refusal.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 2L);
        assertThat(refusal.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(RunningServer.parse(refusal.body()).get("error").asText()).contains("too many requests");
        assertThat(refusal.headers().firstValue("X-Request-ID")).isPresent();
    }

    @Test
    void eachTokenHasItsOwnBucketAndItRefills() throws Exception {
        SecurityConfig security = SecurityConfig.defaults()
                .withAuthTokens(List.of(AuthenticationTest.ALICE, AuthenticationTest.BOB), false, false)
                .withRateLimit(RATE, BURST);
        try (RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(repo))
                .withSecurity(security))) {
            Exhausted alice = exhaust(server, AuthenticationTest.ALICE);
            assertLimitedAfterTheBurst(alice);

            // another client, same address: untouched
            assertThat(server.get("/v2/models/iris", AuthenticationTest.BOB).statusCode()).isEqualTo(200);
            // probes are never limited, even for the limited client
            for (int i = 0; i < 20; i++) {
                assertThat(server.get("/v2/health/ready", AuthenticationTest.ALICE).statusCode()).isEqualTo(200);
                assertThat(server.get("/health/live").statusCode()).isEqualTo(200);
            }
            // still limited, then recovers once Retry-After has passed
            HttpResponse<String> again = server.get("/v2/models/iris", AuthenticationTest.ALICE);
            if (again.statusCode() == 429) {
                TimeUnit.SECONDS.sleep(Long.parseLong(again.headers().firstValue("Retry-After").orElseThrow()));
            }
            TimeUnit.MILLISECONDS.sleep(100);
            assertThat(server.get("/v2/models/iris", AuthenticationTest.ALICE).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutTokensClientsAreAddressesAndMadeUpTokensDoNotEscapeTheLimit() throws Exception {
        try (RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(repo))
                .withSecurity(SecurityConfig.defaults().withRateLimit(RATE, BURST)))) {
            assertLimitedAfterTheBurst(exhaust(server, null));
            // a fresh made-up token is not a fresh client
            assertThat(server.get("/v2/models/iris", "made-up-token-1234567890").statusCode()).isEqualTo(429);
            // another address on the loopback network is another client
            assertThat(rawGet(server.server.port(), "127.0.0.2", "/v2/models/iris")).startsWith("HTTP/1.1 200");
        }
    }

    /** A GET from a chosen local address, which the JDK's HttpClient cannot choose. */
    static String rawGet(int port, String localAddress, String path) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
