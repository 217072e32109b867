package io.kubeserve.http.undertow;

import io.kubeserve.core.auth.BearerTokens;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.metrics.InferenceMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The whole HTTP API as one Undertow {@link HttpHandler}, built around a {@link ModelRegistry}:
 * the standalone server uses it, and an application that embeds KubeServe can mount it in its own
 * Undertow.
 *
 * <pre>{@code
 * HttpHandler api = KubeServeHandler.builder(registry).meters(prometheus).workers(executor).build();
 * Undertow.builder().addHttpListener(8080, "0.0.0.0").setHandler(api).build().start();
 * }</pre>
 *
 * <p>Routes follow the Open Inference Protocol's REST endpoints ({@code /v2/...}: "Health",
 * "Server Metadata", "Model Metadata", "Inference" and the "Model Repository Extension"), KServe V1
 * ({@code /v1/models/...}) and the seed API ({@code /predict}); {@link #routes()} lists them.
 *
 * <p>Thread-safe: Undertow calls it on every I/O thread at once. It does not own the registry,
 * the meter registry or the worker executor, and closes none of them: the application that built
 * them closes them after stopping Undertow.
 */
public final class KubeServeHandler implements HttpHandler {

    private final Router router;
    /** The router behind request ids, rate limiting and authentication, in that order. */
    private final HttpHandler chain;
    private final AtomicBoolean draining = new AtomicBoolean();

    private KubeServeHandler(Builder builder) {
        ModelRegistry registry = builder.registry;
        InferenceMetrics metrics = new InferenceMetrics(builder.meters);
        RequestBodies bodies = new RequestBodies(builder.maxBodyBytes, builder.workers);
        InferenceEndpoints inference = new InferenceEndpoints(registry, bodies, metrics,
                () -> defaultModel(registry, builder.defaultModel), builder.overloadStatus);
        DocsEndpoints docs = new DocsEndpoints();
        RepositoryEndpoints repository = new RepositoryEndpoints(registry, bodies, builder.adminToken,
                builder.explicitControl);
        StatusEndpoints status = new StatusEndpoints(registry, draining::get, builder.version, builder.requiredModels,
                builder.readyWhen, builder.notReadyReason, repository.enabled());
        PrometheusMeterRegistry meters = builder.meters;
        Runnable beforeScrape = builder.beforeScrape;

        router = new Router()
                .get("/", status::info)
                .post("/predict", inference::seedPredict)
                .get("/health", status::health)
                .get("/ready", status::ready)
                .get("/health/live", status::live)
                .get("/health/ready", status::ready)
                .get("/metrics", (exchange, params) -> {
                    beforeScrape.run();
                    Responses.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                            meters.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                })
                .get("/openapi.json", docs::openApi)
                .get("/docs", docs::index)
                .get("/docs/{file}", docs::asset)
                .get("/v1/models", status::v1Models)
                .get("/v1/models/{model}", status::v1Model)
                .post("/v1/models/{model}:predict", inference::v1Predict)
                .get("/v2", status::v2Server)
                .get("/v2/health/live", status::live)
                .get("/v2/health/ready", status::ready)
                .get("/v2/models/{model}", status::v2Model)
                .get("/v2/models/{model}/ready", status::v2ModelReady)
                .post("/v2/models/{model}/infer", inference::v2Infer)
                .get("/v2/models/{model}/versions/{version}", status::v2Model)
                .get("/v2/models/{model}/versions/{version}/ready", status::v2ModelReady)
                .post("/v2/models/{model}/versions/{version}/infer", inference::v2Infer)
                .post("/v2/repository/index", repository::index)
                .post("/v2/repository/models/{model}/load", repository::load)
                .post("/v2/repository/models/{model}/unload", repository::unload);
        chain = guard(router, builder);
    }

    /**
     * Request ids outermost, so every answer, a 401 or 429 too, carries one; rate limiting before
     * authentication, so guessing tokens is limited as well; responses compressed for clients that
     * ask, whatever answers them.
     */
    private static HttpHandler guard(HttpHandler router, Builder builder) {
        HttpHandler handler = new ResponseCompression(router);
        if (builder.apiTokens != null) {
            handler = new BearerAuthHandler(handler, builder.apiTokens, builder.protectProbes, builder.protectMetrics);
        }
        if (builder.sharedBuckets != null) {
            handler = new RateLimitHandler(handler, builder.sharedBuckets, builder.apiTokens);
        } else if (builder.ratePerSecond > 0) {
            handler = new RateLimitHandler(handler, new ClientBuckets(builder.ratePerSecond, builder.rateBurst,
                    builder.rateLimitedClients), builder.apiTokens);
        }
        return new RequestIds(handler);
    }

    /**
     * Starts the settings of a handler.
     *
     * @param registry the models to serve; required, not closed by the handler
     * @return a builder with defaults: 16 MiB body limit, 503 on overload, no authentication, no
     *         rate limit, repository API off
     * @throws NullPointerException when {@code registry} is null
     */
    public static Builder builder(ModelRegistry registry) {
        return new Builder(registry);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        chain.handleRequest(exchange);
    }

    /**
     * Every route the API serves.
     *
     * @return {@code "METHOD /template"} strings, e.g. {@code "POST /v2/models/{model}/infer"}, in
     *         registration order
     */
    public List<String> routes() {
        return router.routes();
    }

    /**
     * From now on readiness reports 503, so load balancers stop sending traffic; requests still run.
     * Cannot be undone; safe to call from any thread (a shutdown hook, say).
     */
    public void startDraining() {
        draining.set(true);
    }

    /**
     * Whether {@link #startDraining()} has been called.
     *
     * @return true once draining
     */
    public boolean isDraining() {
        return draining.get();
    }

    /** The model {@code /predict} serves: the configured one, or the only one there is. */
    static String defaultModel(ModelRegistry registry, String configured) {
        if (configured != null) {
            return configured;
        }
        List<String> names = registry.modelNames();
        if (names.size() == 1) {
            return names.get(0);
        }
        if (names.isEmpty()) {
            throw KubeServeException.notReady("no model is loaded");
        }
        throw KubeServeException.invalidInput("several models are loaded " + names + "; name one with /predict?model=NAME, start the server"
                        + " with --default-model to choose the one /predict serves, or use /v2/models/{model}/infer");
    }

    /**
     * Settings for the handler; the registry and {@link #workers} are required, the rest have
     * defaults. Not thread-safe: configure it on one thread, then {@link #build()}.
     */
    public static final class Builder {

        private final ModelRegistry registry;
        private PrometheusMeterRegistry meters;
        private Runnable beforeScrape = () -> {
        };
        private Executor workers;
        private long maxBodyBytes = 16L << 20;
        private String defaultModel;
        private String version = "dev";
        private int overloadStatus = 503;
        private java.util.Set<String> requiredModels = java.util.Set.of();
        private BooleanSupplier readyWhen = () -> true;
        private String notReadyReason = "";
        private String adminToken;
        private boolean explicitControl;
        private BearerTokens apiTokens;
        private boolean protectProbes;
        private boolean protectMetrics;
        private int ratePerSecond;
        private int rateBurst;
        private int rateLimitedClients = 10_000;
        private ClientBuckets sharedBuckets;

        private Builder(ModelRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Where request metrics go and what {@code /metrics} shows.
         *
         * @param prometheus the meter registry; default: a new one private to the handler
         * @return this builder
         */
        public Builder meters(PrometheusMeterRegistry prometheus) {
            this.meters = prometheus;
            return this;
        }

        /**
         * Runs before each scrape of {@code /metrics}, on the I/O thread that serves it: for meters
         * bound off the path to ready, it binds them or waits until they are bound (the server binds
         * the JVM's 2 s after ready, or here, whichever comes first). It must return quickly once they are.
         *
         * @param action what to run; default: nothing
         * @return this builder
         */
        public Builder beforeScrape(Runnable action) {
            this.beforeScrape = Objects.requireNonNull(action, "action");
            return this;
        }

        /**
         * Threads for the blocking and the long work: decoding bodies too big to decode on an I/O
         * thread, and the repository API (model loads). Inference itself runs on each model's
         * own execution threads; small bodies are decoded on the I/O thread that read them.
         *
         * @param executor the worker threads, typically Undertow's worker pool; not shut down by the handler
         * @return this builder
         */
        public Builder workers(Executor executor) {
            this.workers = executor;
            return this;
        }

        /**
         * The largest request body, before and after {@code Content-Encoding} decoding; bigger ones
         * get 413.
         *
         * @param bytes the limit in bytes; default 16 MiB
         * @return this builder
         */
        public Builder maxBodyBytes(long bytes) {
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * The model {@code POST /predict} serves.
         *
         * @param model a model name; null (the default) means the only model loaded, and an error
         *              ({@code INVALID_INPUT}, 400) when there are several
         * @return this builder
         */
        public Builder defaultModel(String model) {
            this.defaultModel = model;
            return this;
        }

        /**
         * Status for a full model queue: 503 (default) or 429, both with {@code Retry-After}.
         *
         * @param status 503 or 429
         * @return this builder
         * @throws IllegalArgumentException for any other status
         */
        public Builder overloadStatus(int status) {
            if (status != 503 && status != 429) {
                throw new IllegalArgumentException("overload status must be 503 or 429, got " + status);
            }
            this.overloadStatus = status;
            return this;
        }

        /**
         * Models that must be ready for readiness to report ready.
         *
         * @param models model names; copied; empty (the default) means any one ready model will do
         * @return this builder
         */
        public Builder requiredModels(java.util.Set<String> models) {
            this.requiredModels = java.util.Set.copyOf(models);
            return this;
        }

        /**
         * A condition readiness waits for besides the models, such as a second protocol's listener
         * being up; until it holds, the readiness probes answer 503 with {@code reason}.
         *
         * @param condition asked on each probe, from I/O threads: cheap and thread-safe
         * @param reason    the probe's reason while it does not hold
         * @return this builder
         */
        public Builder readyWhen(BooleanSupplier condition, String reason) {
            this.readyWhen = Objects.requireNonNull(condition, "condition");
            this.notReadyReason = Objects.requireNonNull(reason, "reason");
            return this;
        }

        /**
         * Turns on the repository API (load, unload, index) for callers presenting this bearer
         * token; {@code explicit} says the registry is driven by that API. {@code GET /v2} lists
         * the {@code model_repository} extension only when the API answers: a token and
         * {@code explicit}.
         *
         * @param token    the admin bearer token the repository API requires; null leaves the API
         *                 refusing every call with 403
         * @param explicit true when models are loaded and unloaded only through the API (Triton's
         *                 explicit model control mode); the API answers only then, and 403 otherwise
         * @return this builder
         */
        public Builder repositoryApi(String token, boolean explicit) {
            this.adminToken = token;
            this.explicitControl = explicit;
            return this;
        }

        /**
         * Requires one of {@code tokens} as a bearer token on the API, docs included; an empty
         * collection turns authentication off. Probes and {@code /metrics} stay open unless
         * protected here. The repository API keeps its own admin token either way. Tokens are
         * kept as SHA-256 digests only (see {@link BearerTokens}).
         *
         * @param tokens  accepted tokens; empty turns authentication off (the default)
         * @param probes  whether the health and readiness probes need a token too
         * @param metrics whether {@code /metrics} needs a token too
         * @return this builder
         */
        public Builder apiTokens(java.util.Collection<String> tokens, boolean probes, boolean metrics) {
            this.apiTokens = tokens.isEmpty() ? null : BearerTokens.of(tokens);
            this.protectProbes = probes;
            this.protectMetrics = metrics;
            return this;
        }

        /**
         * At most {@code perSecond} requests a second for each client, plus {@code burst} at once;
         * 0 turns rate limiting off. Probes are never limited. A client is its valid API token, else
         * its source address; over the limit it gets 429 with {@code Retry-After}.
         *
         * @param perSecond requests per second refilled per client; 0 (the default) for no limit
         * @param burst     extra requests a client may send at once
         * @return this builder
         * @throws IllegalArgumentException when either is negative
         */
        public Builder rateLimit(int perSecond, int burst) {
            if (perSecond < 0 || burst < 0) {
                throw new IllegalArgumentException("rate limit and burst must be >= 0");
            }
            this.ratePerSecond = perSecond;
            this.rateBurst = burst;
            this.sharedBuckets = null;
            return this;
        }

        /**
         * Rate limits clients with existing buckets, shared with another front end (the gRPC
         * adapter) so a client has one budget across both; replaces {@link #rateLimit(int, int)}
         * and {@link #rateLimitedClients(int)}. Probes are never limited; over the limit, 429 with
         * {@code Retry-After}.
         *
         * @param buckets the per-client buckets; shared, not owned
         * @return this builder
         * @throws NullPointerException if {@code buckets} is null
         */
        public Builder rateLimit(ClientBuckets buckets) {
            this.sharedBuckets = Objects.requireNonNull(buckets, "buckets");
            return this;
        }

        /**
         * How many clients' rate limit buckets are remembered (least recently seen forgotten first).
         *
         * @param clients at least 1; default 10,000
         * @return this builder
         * @throws IllegalArgumentException when below 1
         */
        public Builder rateLimitedClients(int clients) {
            if (clients < 1) {
                throw new IllegalArgumentException("rate limited clients must be >= 1");
            }
            this.rateLimitedClients = clients;
            return this;
        }

        /**
         * The server version reported by {@code GET /v2} and {@code GET /}.
         *
         * @param serverVersion e.g. {@code 0.1.0}; default {@code dev}
         * @return this builder
         */
        public Builder version(String serverVersion) {
            this.version = serverVersion;
            return this;
        }

        /**
         * Builds the handler; the builder may be reused.
         *
         * @return the handler, ready to mount
         * @throws IllegalStateException when no {@link #workers} executor was given
         */
        public KubeServeHandler build() {
            if (meters == null) {
                meters = new PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            }
            if (workers == null) {
                throw new IllegalStateException("workers(executor) is required: big bodies and model loads must not run on I/O threads");
            }
            return new KubeServeHandler(this);
        }
    }
}
