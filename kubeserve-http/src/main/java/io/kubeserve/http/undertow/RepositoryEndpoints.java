package io.kubeserve.http.undertow;

import io.kubeserve.core.auth.BearerTokens;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.registry.LoadResult;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelStatus;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol's model repository extension: {@code POST /v2/repository/index},
 * {@code POST /v2/repository/models/{m}/load} and {@code .../unload}. Guarded by an admin bearer
 * token of its own; with no token configured, or outside explicit model control, the API refuses
 * with 403 and says how to turn it on. Loading blocks, so it runs on a worker thread.
 *
 * <p>Every call says what happened: load and unload answer with the model's versions and their
 * states, a failed load with an error status and the reason beside them.
 */
final class RepositoryEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryEndpoints.class);

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

    /** Whether the API is on: explicit model control with an admin token; else every call is a 403. */
    boolean enabled() {
        return enabled;
    }

    void index(HttpServerExchange exchange, String[] params) {
        if (allowed(exchange)) {
            bodies.receive(exchange, false, (ex, body) -> Responses.json(ex, 200, JsonBodies.write(json -> {
                json.writeStartArray();
                for (ModelStatus status : registry.statuses()) {
                    json.writeStartObject();
                    json.writeStringField("name", status.name());
                    writeStatus(json, status);
                    json.writeEndObject();
                }
                json.writeEndArray();
            })));
        }
    }

    /**
     * 200 with the version now serving and every version's state; a failed load is the error's
     * status (400 for files that do not load) with the reason, and the same description of the
     * model, whose older ready version, if any, keeps serving.
     */
    void load(HttpServerExchange exchange, String[] params) {
        if (allowed(exchange)) {
            bodies.receive(exchange, false, (ex, body) -> {
                String name = params[0];
                LoadResult result;
                try {
                    result = registry.load(name);
                } catch (KubeServeException e) {
                    if (e.code() == ErrorCode.MODEL_NOT_FOUND || !registry.modelNames().contains(name)) {
                        throw e;
                    }
                    LOG.warn("repository API: {}", e.getMessage());
                    List<ModelStatus> versions = registry.statuses(name);
                    String serving = versions.stream().filter(ModelStatus::ready).map(ModelStatus::version)
                            .findFirst().orElse(null);
                    Responses.json(ex, Responses.status(e.code()), describe(e.getMessage(), name, serving, versions));
                    return;
                }
                LOG.info("repository API: model {} loaded, version {} serving", name, result.serving());
                Responses.json(ex, 200, describe(null, name, result.serving(), result.versions()));
            });
        }
    }

    /** 200 with the state of every version once the running requests have finished and the model is closed. */
    void unload(HttpServerExchange exchange, String[] params) {
        if (allowed(exchange)) {
            bodies.receive(exchange, false, (ex, body) -> {
                String name = params[0];
                registry.unload(name);
                LOG.info("repository API: model {} unloaded", name);
                Responses.json(ex, 200, describe(null, name, null, registry.statuses(name)));
            });
        }
    }

    /** {@code {"error"?, "name", "serving_version", "versions": [{"version", "state", "reason"}]}}. */
    private static byte[] describe(String error, String name, String serving, List<ModelStatus> versions) {
        return JsonBodies.write(json -> {
            json.writeStartObject();
            if (error != null) {
                json.writeStringField("error", error);
            }
            json.writeStringField("name", name);
            if (serving != null) {
                json.writeStringField("serving_version", serving);
            } else {
                json.writeNullField("serving_version");
            }
            json.writeArrayFieldStart("versions");
            for (ModelStatus status : versions) {
                json.writeStartObject();
                writeStatus(json, status);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void writeStatus(com.fasterxml.jackson.core.JsonGenerator json, ModelStatus status)
            throws java.io.IOException {
        json.writeStringField("version", status.version());
        json.writeStringField("state", status.state().name());
        json.writeStringField("reason", status.reason() == null ? "" : status.reason());
    }

    /** Writes the refusal and returns false unless the API is on and the caller holds the admin token. */
    private boolean allowed(HttpServerExchange exchange) {
        if (!enabled) {
            Responses.error(exchange, 403, "the model repository API is off: start the server with"
                    + " --model-control-mode explicit and an admin token (--admin-token-file or KUBESERVE_ADMIN_TOKEN)");
            return false;
        }
        String presented = BearerTokens.fromAuthorization(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
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
