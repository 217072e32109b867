package io.kubeserve.http.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.kubeserve.core.auth.BearerTokens;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Limits each client to a rate with a burst allowance; over it, 429 with {@code Retry-After}.
 * Probes are never limited, so a busy client cannot get a pod restarted or taken out of service.
 *
 * <p>A client is its API token when it presents a valid one (keyed by the token's SHA-256, never the
 * token itself), else its source address. An unverified token is not a key: otherwise anyone could
 * dodge the limit by sending a new made-up token with every request. Runs before authentication,
 * so guessing tokens is rate limited too.
 */
final class RateLimitHandler implements HttpHandler {


    private final HttpHandler next;
    private final ClientBuckets buckets;
    private final BearerTokens tokens;

    /**
     * @param tokens the API tokens, or null when authentication is off (clients are then addresses)
     */
    RateLimitHandler(HttpHandler next, ClientBuckets buckets, BearerTokens tokens) {
        this.next = next;
        this.buckets = buckets;
        this.tokens = tokens;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (RouteKind.of(exchange.getRelativePath()) == RouteKind.PROBE) {
            next.handleRequest(exchange);
            return;
        }
        long wait = buckets.nanosUntilAdmitted(client(exchange));
        if (wait == 0) {
            next.handleRequest(exchange);
            return;
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L));
        Responses.retryLater(exchange, 429, seconds, "too many requests from this client; retry in " + seconds + " s");
    }

    String client(HttpServerExchange exchange) {
        InetSocketAddress source = exchange.getSourceAddress();
        return BearerTokens.clientKey(tokens, exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION),
                source == null ? null : source.getAddress());
    }
}
