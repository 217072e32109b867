package io.kubeserve.http.undertow;

import io.kubeserve.core.auth.BearerTokens;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Lets a request through to the API only with {@code Authorization: Bearer <token>} naming one of
 * the configured tokens; otherwise 401 with {@code WWW-Authenticate}. Probes and {@code /metrics}
 * are open or protected as configured; the repository API is left to its own admin token (a client
 * can present only one bearer token, and that API's callers present the admin one).
 */
final class BearerAuthHandler implements HttpHandler {

    static final String CHALLENGE = "Bearer realm=\"kubeserve\"";

    private final HttpHandler next;
    private final BearerTokens tokens;
    private final boolean protectProbes;
    private final boolean protectMetrics;

    BearerAuthHandler(HttpHandler next, BearerTokens tokens, boolean protectProbes, boolean protectMetrics) {
        this.next = next;
        this.tokens = tokens;
        this.protectProbes = protectProbes;
        this.protectMetrics = protectMetrics;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!needsToken(RouteKind.of(exchange.getRelativePath()))) {
            next.handleRequest(exchange);
            return;
        }
        String presented = BearerTokens.fromAuthorization(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
        if (presented != null && tokens.matches(presented)) {
            next.handleRequest(exchange);
            return;
        }
        exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, CHALLENGE);
        Responses.error(exchange, 401, presented == null
                ? "this API needs a bearer token: send 'Authorization: Bearer <token>'"
                : "the bearer token is not valid");
    }

    private boolean needsToken(RouteKind kind) {
        return switch (kind) {
            case PROBE -> protectProbes;
            case METRICS -> protectMetrics;
            case REPOSITORY -> false;
            case API -> true;
        };
    }
}
