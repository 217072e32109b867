package io.kubeserve.http.undertow;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelStatus;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Open Inference Protocol's model repository extension: {@code POST /v2/repository/index},
 * {@code POST /v2/repository/models/{m}/load} and {@code .../unload}. Guarded by an admin bearer
 * token of its own; with no token configured, or outside explicit model control, the API refuses
 * with 403 and says how to turn it on. Loading blocks, so it runs on a worker thread.
 */
final class RepositoryEndpoints {

    private final ModelRegistry registry;
    private final RequestBodies bodies;
    private final BearerTokens adminToken;
    private final boolean enabled;

    RepositoryEndpoints(ModelRegistry registry, RequestBodies bodies, String adminToken, boolean explicitControl) {
        this.registry = registry;
        this.bodies = bodies;
        this.adminToken = adminToken == null ? null : BearerTokens.of(List.of(adminToken));
        this.enabled = explicitControl && adminToken != null;
    }

    void index(HttpServerExchange exchange, String[] params) {
        if (allowed(exchange)) {
            bodies.receive(exchange, false, (ex, body) -> Responses.json(ex, 200, JsonBodies.write(json -> {
                json.writeStartArray();
                for (ModelStatus status : registry.statuses()) {
                    json.writeStartObject();
                    json.writeStringField("name", status.name());
                    json.writeStringField("version", status.version());
                    json.writeStringField("state", status.state().name());
                    json.writeStringField("reason", status.reason() == null ? "" : status.reason());
                    json.writeEndObject();
                }
                json.writeEndArray();
            })));
        }
    }

    void load(HttpServerExchange exchange, String[] params) {
        if (allowed(exchange)) {
            bodies.receive(exchange, false, (ex, body) -> {
                registry.load(params[0]);
                Responses.json(ex, 200, "{}".getBytes(StandardCharsets.UTF_8));
            });
        }
    }

    void unload(HttpServerExchange exchange, String[] params) {
        if (allowed(exchange)) {
            bodies.receive(exchange, false, (ex, body) -> {
                registry.unload(params[0]);
                Responses.json(ex, 200, "{}".getBytes(StandardCharsets.UTF_8));
            });
        }
    }

    /** Writes the refusal and returns false unless the API is on and the caller holds the admin token. */
    private boolean allowed(HttpServerExchange exchange) {
        if (!enabled) {
            Responses.error(exchange, 403, "the model repository API is off: start the server with"
                    + " --model-control-mode explicit and an admin token (--admin-token-file or KUBESERVE_ADMIN_TOKEN)");
            return false;
        }
        String presented = BearerTokens.presented(exchange);
        // constant-time: the comparison takes as long for a near miss as for a wild guess
        if (presented == null || !adminToken.matches(presented)) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"kubeserve-admin\"");
            Responses.error(exchange, 401, presented == null ? "the repository API needs an admin bearer token"
                    : "the admin token is not valid");
            return false;
        }
        return true;
    }
}
