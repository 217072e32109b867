package io.kubeserve.http.undertow;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelState;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.Model;
import io.kubeserve.http.codec.V2MetadataEncoder;
import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Everything that reports state rather than running a model: liveness and readiness in each
 * protocol's dialect, model lists and metadata, and the service description at {@code /}.
 * These run on the I/O thread: they only read volatile state and write a few hundred bytes.
 */
final class StatusEndpoints {

    /**
     * The Open Inference Protocol extensions this server implements, advertised at {@code GET /v2}:
     * the binary tensor data extension always, the model repository extension only while its API
     * is on (a client that reads the list before calling it would otherwise meet a 403).
     */
    static List<String> v2Extensions(boolean repositoryApi) {
        return repositoryApi ? List.of("binary_tensor_data", "model_repository") : List.of("binary_tensor_data");
    }

    private final ModelRegistry registry;
    private final BooleanSupplier draining;
    private final String serverVersion;
    private final V2MetadataEncoder metadataEncoder = new V2MetadataEncoder();

    private final java.util.Set<String> requiredModels;
    private final BooleanSupplier readyWhen;
    private final String notReadyReason;
    private final List<String> extensions;

    StatusEndpoints(ModelRegistry registry, BooleanSupplier draining, String serverVersion,
                    java.util.Set<String> requiredModels, BooleanSupplier readyWhen, String notReadyReason,
                    boolean repositoryApi) {
        this.registry = registry;
        this.extensions = v2Extensions(repositoryApi);
        this.requiredModels = requiredModels;
        this.draining = draining;
        this.serverVersion = serverVersion;
        this.readyWhen = readyWhen;
        this.notReadyReason = notReadyReason;
    }

    /** Ready to take traffic: models loaded, the embedder's own condition met, not shutting down. */
    boolean ready() {
        return !draining.getAsBoolean() && readyWhen.getAsBoolean() && registry.isReady(requiredModels);
    }

    private String notReadyReason() {
        if (draining.getAsBoolean()) {
            return "shutting down";
        }
        if (!readyWhen.getAsBoolean()) {
            return notReadyReason;
        }
        List<ModelStatus> statuses = registry.statuses();
        if (statuses.isEmpty()) {
            return "no models in the repository";
        }
        if (!requiredModels.isEmpty()) {
            return "required models not all ready: "
                    + states(statuses.stream().filter(s -> requiredModels.contains(s.name())).toList());
        }
        boolean loading = statuses.stream().anyMatch(s -> s.state() == ModelState.LOADING);
        return (loading ? "models are loading: " : "no model is ready: ") + states(statuses);
    }

    /**
     * {@code [name=state, ...]}, states in lower case; a failed version with why, as its own
     * readiness says it, so the probe's reason alone tells an operator what to fix.
     */
    private static List<String> states(List<ModelStatus> statuses) {
        return statuses.stream().map(s -> s.name() + "=" + s.state().name().toLowerCase(java.util.Locale.ROOT)
                + (s.state() == ModelState.FAILED && s.reason() != null ? " (" + s.reason() + ")" : "")).toList();
    }

    /** {@code GET /health}: the seed API's health document. */
    void health(HttpServerExchange exchange, String[] params) {
        boolean ready = ready();
        Responses.json(exchange, ready ? 200 : 503, JsonBodies.write(json -> {
            json.writeStartObject();
            json.writeStringField("status", ready ? "ok" : "unavailable");
            json.writeBooleanField("model_loaded", registry.statuses().stream().anyMatch(ModelStatus::ready));
            if (!ready) {
                json.writeStringField("reason", notReadyReason());
            }
            json.writeEndObject();
        }));
    }

    /** {@code GET /health/live} and {@code /v2/health/live}: the process answers. */
    void live(HttpServerExchange exchange, String[] params) {
        Responses.json(exchange, 200, JsonBodies.write(json -> {
            json.writeStartObject();
            json.writeBooleanField("live", true);
            json.writeEndObject();
        }));
    }

    /** {@code GET /ready}, {@code /health/ready}, {@code /v2/health/ready}. */
    void ready(HttpServerExchange exchange, String[] params) {
        boolean ready = ready();
        Responses.json(exchange, ready ? 200 : 503, JsonBodies.write(json -> {
            json.writeStartObject();
            json.writeBooleanField("ready", ready);
            if (!ready) {
                json.writeStringField("reason", notReadyReason());
            }
            json.writeEndObject();
        }));
    }

    /** {@code GET /v2}: server metadata. */
    void v2Server(HttpServerExchange exchange, String[] params) {
        Responses.json(exchange, 200, metadataEncoder.server("kubeserve", serverVersion, extensions));
    }

    /** {@code GET /v2/models/{m}[/versions/{v}]}: model metadata; 404 unknown, 503 not ready. */
    void v2Model(HttpServerExchange exchange, String[] params) {
        Endpoints.run(exchange, () -> {
            Model model = registry.model(params[0], params.length > 1 ? params[1] : null);
            List<String> versions = registry.statuses(params[0]).stream().map(ModelStatus::version).toList();
            Responses.json(exchange, 200, metadataEncoder.model(model.metadata(), versions));
        });
    }

    /** {@code GET /v2/models/{m}[/versions/{v}]/ready}: 200 when ready, 503 with the reason otherwise. */
    void v2ModelReady(HttpServerExchange exchange, String[] params) {
        Endpoints.run(exchange, () -> {
            String name = params[0];
            String version = params.length > 1 ? params[1] : null;
            boolean ready;
            String reason = null;
            try {
                registry.model(name, version);
                ready = true;
            } catch (KubeServeException e) {
                if (e.code() == io.kubeserve.core.error.ErrorCode.MODEL_NOT_FOUND) {
                    throw e;
                }
                ready = false;
                reason = e.getMessage();
            }
            boolean isReady = ready;
            String why = reason;
            Responses.json(exchange, ready ? 200 : 503, JsonBodies.write(json -> {
                json.writeStartObject();
                json.writeStringField("name", name);
                json.writeBooleanField("ready", isReady);
                if (why != null) {
                    json.writeStringField("reason", why);
                }
                json.writeEndObject();
            }));
        });
    }

    /** {@code GET /v1/models}: the names of the models known. */
    void v1Models(HttpServerExchange exchange, String[] params) {
        Responses.json(exchange, 200, JsonBodies.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("models");
            for (String name : registry.modelNames()) {
                json.writeString(name);
            }
            json.writeEndArray();
            json.writeEndObject();
        }));
    }

    /** {@code GET /v1/models/{m}}: name, version, platform, ready; 503 while not ready. */
    void v1Model(HttpServerExchange exchange, String[] params) {
        Endpoints.run(exchange, () -> {
            ModelStatus status = registry.statuses(params[0]).get(0);
            Responses.json(exchange, status.ready() ? 200 : 503, JsonBodies.write(json -> {
                json.writeStartObject();
                json.writeStringField("name", status.name());
                json.writeStringField("version", status.version());
                json.writeStringField("platform", status.metadata() == null ? null : status.metadata().platform());
                json.writeBooleanField("ready", status.ready());
                if (status.reason() != null) {
                    json.writeStringField("reason", status.reason());
                }
                json.writeEndObject();
            }));
        });
    }

    /** {@code GET /}: what this service is and where to go next. */
    void info(HttpServerExchange exchange, String[] params) {
        Responses.json(exchange, 200, JsonBodies.write(json -> {
            json.writeStartObject();
            json.writeStringField("name", "kubeserve");
            json.writeStringField("version", serverVersion);
            json.writeBooleanField("ready", ready());
            json.writeArrayFieldStart("models");
            for (ModelStatus status : registry.statuses()) {
                json.writeStartObject();
                json.writeStringField("name", status.name());
                json.writeStringField("version", status.version());
                json.writeStringField("state", status.state().name());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeObjectFieldStart("links");
            json.writeStringField("predict", "/predict");
            json.writeStringField("v1_models", "/v1/models");
            json.writeStringField("v2", "/v2");
            json.writeStringField("health", "/health");
            json.writeStringField("metrics", "/metrics");
            json.writeStringField("docs", "/docs");
            json.writeStringField("openapi", "/openapi.json");
            json.writeEndObject();
            json.writeEndObject();
        }));
    }
}
