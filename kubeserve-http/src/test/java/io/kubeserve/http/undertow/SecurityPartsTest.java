package io.kubeserve.http.undertow;

import io.kubeserve.core.auth.BearerTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The small security pieces on their own: tokens, the bounded bucket map, path kinds, request ids in the MDC. */
class SecurityPartsTest {

    @Test
    void bearerTokensMatchAnyConfiguredTokenAndNothingElse() {
        BearerTokens tokens = BearerTokens.of(List.of("first-token-0123456789", "second-token-0123456789"));
        assertThat(tokens.matches("first-token-0123456789")).isTrue();
        assertThat(tokens.matches("second-token-0123456789")).isTrue();
        assertThat(tokens.matches("second-token-012345678")).isFalse();
        assertThat(tokens.matches("")).isFalse();
        assertThat(tokens.matches(null)).isFalse();
        assertThat(tokens.size()).isEqualTo(2);
        assertThat(tokens.toString()).doesNotContain("first").doesNotContain("second");
    }

    @Test
    void theBearerTokenIsReadFromTheAuthorizationHeaderOnly() {
        assertThat(BearerTokens.fromAuthorization("Bearer abc ")).isEqualTo("abc");
        assertThat(BearerTokens.fromAuthorization("BEARER abc")).isEqualTo("abc");
        assertThat(BearerTokens.fromAuthorization("Basic abc")).isNull();
        assertThat(BearerTokens.fromAuthorization("Bearer ")).isNull();
        assertThat(BearerTokens.fromAuthorization(null)).isNull();
    }

    @Test
    void aClientIsItsValidTokenElseItsAddressForBothAdapters() throws Exception {
        BearerTokens tokens = BearerTokens.of(List.of("first-token-0123456789"));
        java.net.InetAddress loopback = java.net.InetAddress.getByName("127.0.0.1");
        String digest = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(
                        "first-token-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(BearerTokens.clientKey(tokens, "Bearer first-token-0123456789", loopback))
                .isEqualTo("token:" + digest);
        assertThat(BearerTokens.clientKey(tokens, "Bearer made-up-token-0123456789", loopback))
                .as("a made-up token is not a new client").isEqualTo("address:127.0.0.1");
        assertThat(BearerTokens.clientKey(null, "Bearer first-token-0123456789", loopback)).isEqualTo("address:127.0.0.1");
        assertThat(BearerTokens.clientKey(tokens, null, null)).isEqualTo("address:unknown");
    }

    @Test
    void bucketsAreBoundedAndForgetTheLeastRecentlySeenClient() {
        // a clock that stands still: no refill and no expiry, however slow the machine is
        ClientBuckets buckets = new ClientBuckets(1, 0, 100, () -> 0L);
        buckets.bucket("keep").tryConsume(1);
        for (int i = 0; i < 10_000; i++) {
            buckets.bucket("address:" + i);
            if (i % 50 == 0) {
                buckets.bucket("keep");
            }
        }
        assertThat(buckets.size()).isEqualTo(100);
        assertThat(buckets.bucket("keep").getAvailableTokens()).as("a client seen recently is kept").isZero();
        assertThat(buckets.bucket("address:0").getAvailableTokens()).as("an old one starts afresh").isEqualTo(1);
    }

    @Test
    void aClientIdleUntilItsBucketRefillsIsForgottenAndComesBackFull() {
        AtomicLong nanos = new AtomicLong();
        // 2 a second plus a burst of 4: an emptied bucket is full again after 3 s
        ClientBuckets buckets = new ClientBuckets(2, 4, 100, nanos::get);
        assertThat(ClientBuckets.refillTime(2, 6)).isEqualTo(Duration.ofSeconds(3));
        assertThat(buckets.bucket("idle").tryConsume(6)).isTrue();
        buckets.bucket("busy");

        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        buckets.bucket("busy");
        assertThat(buckets.size()).as("2 s idle is not long enough").isEqualTo(2);

        nanos.addAndGet(Duration.ofMillis(1500).toNanos());
        buckets.bucket("busy");
        assertThat(buckets.size()).as("3.5 s idle drops the idle client only").isEqualTo(1);
        assertThat(buckets.bucket("idle").getAvailableTokens()).isEqualTo(6);
    }

    @Test
    void bucketsRefuseBoundsOutOfRange() {
        assertThatThrownBy(() -> new ClientBuckets(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientBuckets(1, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientBuckets(1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyExactProbePathsAreProbes() {
        assertThat(RouteKind.of("/health")).isEqualTo(RouteKind.PROBE);
        assertThat(RouteKind.of("/v2/health/ready/")).isEqualTo(RouteKind.PROBE);
        assertThat(RouteKind.of("/metrics")).isEqualTo(RouteKind.METRICS);
        assertThat(RouteKind.of("/v2/repository/index")).isEqualTo(RouteKind.REPOSITORY);
        for (String api : List.of("/healthz", "/health/../v2/models/iris/infer", "/v2/health/live/x", "/metrics/x",
                "/v2/models/iris/ready", "/docs", "/openapi.json", "/", "")) {
            assertThat(RouteKind.of(api)).as(api).isEqualTo(RouteKind.API);
        }
    }

    @Test
    void endpointsLogWithTheRequestIdOnTheThreadTheyRunOn() throws Exception {
        HttpServerExchange exchange = new HttpServerExchange(null, new HeaderMap(), new HeaderMap(), 0);
        exchange.putAttachment(RequestIds.ID, "req-7");
        AtomicReference<String> seen = new AtomicReference<>();
        Thread worker = new Thread(() -> Endpoints.run(exchange, () -> seen.set(MDC.get(RequestIds.MDC_KEY))));
        worker.start();
        worker.join();
        assertThat(seen).hasValue("req-7");
        Endpoints.run(exchange, () -> seen.set(MDC.get(RequestIds.MDC_KEY)));
        assertThat(MDC.get(RequestIds.MDC_KEY)).as("cleared afterwards").isNull();
    }

    @Test
    void requestIdsAreSafeTokensOrNothing() {
        assertThat(RequestIds.accepted("abc-DEF_0.9")).isEqualTo("abc-DEF_0.9");
        assertThat(RequestIds.accepted("x".repeat(64))).hasSize(64);
        assertThat(RequestIds.accepted("x".repeat(65))).isNull();
        assertThat(RequestIds.accepted("a\r\nb")).isNull();
        assertThat(RequestIds.accepted("")).isNull();
        assertThat(RequestIds.generate()).matches("[0-9a-f]{32}").isNotEqualTo(RequestIds.generate());
    }
}
