package io.kubeserve.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The server's settings: an immutable, validated value. The command line ({@code serve}, see
 * {@link ServeCommand}) binds it from flags and {@code KUBESERVE_*}
 * environment variables; tests and embedders start from {@link #defaults(Path)} and change it with the
 * {@code withX} copiers or {@link #toBuilder()}. Validation messages name the command-line flag, since
 * that is where most values come from. Instances are immutable and safe to share between threads.
 *
 * @param host            address to bind
 * @param port            port to bind; 0 picks a free one
 * @param grpcPort        port of the Open Inference Protocol over gRPC (kubeserve-grpc), on the same
 *                        host; 0: no gRPC listener
 * @param grpcConnections how the gRPC listener manages its connections: their age and keepalive
 * @param modelRepository where the models are: a directory (repository, one model) or model file,
 *                        or a remote store URI
 * @param modelName       name for a single-model directory or file; null: derived from its name
 * @param defaultModel    model that {@code /predict} serves; null: the only model loaded
 * @param maxBodyBytes    largest request body accepted (413 beyond)
 * @param logFormat       {@code text} or {@code json}
 * @param ioThreads       I/O threads of each listener: HTTP (Undertow) and gRPC (Netty event loops); 0: one per core
 * @param workerThreads   threads that decode large bodies and run the repository API (0: one per core, at least 2)
 * @param drainTimeout    on SIGTERM, how long in-flight requests may take to finish
 * @param overloadStatus  status for a full model queue: 503 (default) or 429
 * @param controlMode     {@code none} (load at start only), {@code poll} (follow the repository),
 *                        {@code explicit} (load and unload through the repository API)
 * @param pollInterval    how often poll mode reads the repository
 * @param requiredModels  models that must be ready for the server to report ready (empty: any one)
 * @param adminToken      bearer token of the repository API; null disables that API
 * @param security        API tokens, rate limit, TLS and connection timeouts
 */
public record ServerConfig(String host, int port, int grpcPort, GrpcConnectionConfig grpcConnections,
                           String modelRepository, String modelName, String defaultModel, long maxBodyBytes,
                           String logFormat, int ioThreads, int workerThreads, Duration drainTimeout,
                           int overloadStatus, String controlMode, Duration pollInterval, Set<String> requiredModels,
                           String adminToken, SecurityConfig security) {

    private static final List<String> CONTROL_MODES = List.of("none", "poll", "explicit");

    /**
     * Checks every setting; the messages name the command-line flag, as that is where most values
     * come from.
     *
     * @param host            address to bind
     * @param port            port to bind; 0 picks a free one
     * @param grpcPort        port of the Open Inference Protocol over gRPC (kubeserve-grpc), on the same
     *                        host; 0: no gRPC listener
     * @param grpcConnections how the gRPC listener manages its connections; null:
     *                        {@link GrpcConnectionConfig#defaults()}
     * @param modelRepository where the models are: a directory (repository, one model) or model file,
     *                        or a remote store URI
     * @param modelName       name for a single-model directory or file; null: derived from its name
     * @param defaultModel    model that {@code /predict} serves; null: the only model loaded
     * @param maxBodyBytes    largest request body accepted (413 beyond)
     * @param logFormat       {@code text} or {@code json}
     * @param ioThreads       I/O threads of each listener: HTTP (Undertow) and gRPC (Netty event loops); 0: one per core
     * @param workerThreads   threads that decode large bodies and run the repository API (0: one per core, at least 2)
     * @param drainTimeout    on SIGTERM, how long in-flight requests may take to finish
     * @param overloadStatus  status for a full model queue: 503 (default) or 429
     * @param controlMode     {@code none} (load at start only), {@code poll} (follow the repository),
     *                        {@code explicit} (load and unload through the repository API)
     * @param pollInterval    how often poll mode reads the repository
     * @param requiredModels  models that must be ready for the server to report ready (empty: any one)
     * @param adminToken      bearer token of the repository API; null disables that API
     * @param security        API tokens, rate limit, TLS and connection timeouts
     * @throws IllegalArgumentException for a missing repository, a port outside 0..65535, a body
     *                                  limit under 1 KiB, an unknown log format or control mode, negative
     *                                  thread counts or drain timeout, an overload status other than 503
     *                                  or 429, a poll interval under 1 s, or an admin token under 16 characters
     * @throws NullPointerException     when host, logFormat, drainTimeout, controlMode,
     *                                  pollInterval or requiredModels is null
     */
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(controlMode, "controlMode");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(requiredModels, "requiredModels");
        if (modelRepository == null || modelRepository.isBlank()) {
            throw new IllegalArgumentException("--model-repository (or KUBESERVE_MODEL_REPOSITORY) is required");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
        }
        if (grpcPort < 0 || grpcPort > 65_535) {
            throw new IllegalArgumentException("--grpc-port must be between 0 (off) and 65535, got " + grpcPort);
        }
        if (grpcPort != 0 && grpcPort == port) {
            throw new IllegalArgumentException("--grpc-port and --port must differ, both are " + port);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("--max-body-size must be at least 1k, got " + maxBodyBytes + " bytes");
        }
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new IllegalArgumentException("--log-format must be text or json, got '" + logFormat + "'");
        }
        if (ioThreads < 0 || workerThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0");
        }
        if (overloadStatus != 503 && overloadStatus != 429) {
            throw new IllegalArgumentException("--overload-status must be 503 or 429, got " + overloadStatus);
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("--drain-timeout must be >= 0");
        }
        if (!CONTROL_MODES.contains(controlMode)) {
            throw new IllegalArgumentException("--model-control-mode must be one of " + CONTROL_MODES + ", got '"
                    + controlMode + "'");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("--repository-poll-seconds must be at least 1");
        }
        requiredModels = Set.copyOf(requiredModels);
        security = security == null ? SecurityConfig.defaults() : security;
        grpcConnections = grpcConnections == null ? GrpcConnectionConfig.defaults() : grpcConnections;
        if (adminToken != null && adminToken.length() < 16) {
            throw new IllegalArgumentException("the admin token must be at least 16 characters");
        }
    }

    /**
     * Defaults for everything but the repository: {@code 0.0.0.0:8080}, no gRPC listener (the command
     * line's default is 8081) with {@link GrpcConnectionConfig#defaults()}, 16 MiB bodies, text logs, one
     * I/O thread per core, 20 s drain, 503 on overload, control mode {@code none} (15 s poll interval if
     * switched to poll), no required models, no admin token, {@link SecurityConfig#defaults()}.
     *
     * @param modelRepository a repository, model directory or model file; not null
     * @return the default settings serving {@code modelRepository}
     */
    public static ServerConfig defaults(Path modelRepository) {
        return new ServerConfig("0.0.0.0", 8080, 0, GrpcConnectionConfig.defaults(), modelRepository.toString(), null,
                null, 16L << 20, "text", 0, 0, Duration.ofSeconds(20), 503, "none", Duration.ofSeconds(15), Set.of(), null,
                SecurityConfig.defaults());
    }

    /**
     * A builder that starts from this config's values; {@link Builder#build()} validates again.
     *
     * @return a new builder, owned by the caller
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * A copy with another port.
     *
     * @param newPort 0..65535; 0 picks a free port
     * @return the changed copy
     * @throws IllegalArgumentException when the port is out of range
     */
    public ServerConfig withPort(int newPort) {
        return toBuilder().port(newPort).build();
    }

    /**
     * A copy with another gRPC port.
     *
     * @param newPort 1..65535, or 0 for no gRPC listener
     * @return the changed copy
     * @throws IllegalArgumentException when the port is out of range or equals the HTTP port
     */
    public ServerConfig withGrpcPort(int newPort) {
        return toBuilder().grpcPort(newPort).build();
    }

    /**
     * A copy with another bind address.
     *
     * @param newHost address or host name to bind, e.g. {@code 127.0.0.1}
     * @return the changed copy
     */
    public ServerConfig withHost(String newHost) {
        return toBuilder().host(newHost).build();
    }

    /**
     * A copy with another request body limit.
     *
     * @param bytes largest body accepted, in bytes (decoded size); at least 1024
     * @return the changed copy
     * @throws IllegalArgumentException when {@code bytes} is below 1024
     */
    public ServerConfig withMaxBodyBytes(long bytes) {
        return toBuilder().maxBodyBytes(bytes).build();
    }

    /**
     * A copy whose {@code POST /predict} serves another model.
     *
     * @param model model name; null: the only model loaded
     * @return the changed copy
     */
    public ServerConfig withDefaultModel(String model) {
        return toBuilder().defaultModel(model).build();
    }

    /**
     * A copy that answers a full model queue with another status.
     *
     * @param status 503 or 429
     * @return the changed copy
     * @throws IllegalArgumentException for any other status
     */
    public ServerConfig withOverloadStatus(int status) {
        return toBuilder().overloadStatus(status).build();
    }

    /**
     * A copy with other security settings.
     *
     * @param settings tokens, rate limit, TLS and timeouts; null means {@link SecurityConfig#defaults()}
     * @return the changed copy
     */
    public ServerConfig withSecurity(SecurityConfig settings) {
        return toBuilder().security(settings).build();
    }

    /**
     * Whether the Open Inference Protocol's model repository API answers, over HTTP and gRPC: only
     * in explicit model control mode with an admin token.
     *
     * @return true when both are given
     */
    public boolean repositoryApiOn() {
        return controlMode.equals("explicit") && adminToken != null;
    }

    /**
     * The number of Undertow I/O threads to start.
     *
     * @return {@link #ioThreads()} when set, else one per available core (at least 1)
     */
    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The number of worker threads to start.
     *
     * @return {@link #workerThreads()} when set, else one per available core and at least 2
     */
    public int effectiveWorkerThreads() {
        // no request waits on a worker any more (it waits in its model's queue): workers decode big
        // bodies, which is CPU work, and run the repository API; one per core, and two on one core
        // so a model load through the API never holds the only one
        return workerThreads > 0 ? workerThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Like the record's own, but says only whether there is an admin token: a config may end up in a log.
     *
     * @return the settings, without secrets
     */
    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", grpcPort=" + grpcPort + ", grpcConnections="
                + grpcConnections + ", modelRepository=" + modelRepository
                + ", modelName=" + modelName + ", defaultModel=" + defaultModel + ", maxBodyBytes=" + maxBodyBytes
                + ", logFormat=" + logFormat + ", ioThreads=" + ioThreads + ", workerThreads=" + workerThreads
                + ", drainTimeout=" + drainTimeout + ", overloadStatus=" + overloadStatus + ", controlMode="
                + controlMode + ", pollInterval=" + pollInterval + ", requiredModels=" + requiredModels
                + ", adminToken=" + (adminToken == null ? "none" : "set") + ", security=" + security + "]";
    }

    /**
     * A copy of a config with some settings changed; nothing is checked until {@link #build()}. Not
     * thread-safe: one builder per thread.
     */
    public static final class Builder {
        private String host;
        private int port;
        private int grpcPort;
        private GrpcConnectionConfig grpcConnections;
        private String modelRepository;
        private String modelName;
        private String defaultModel;
        private long maxBodyBytes;
        private String logFormat;
        private int ioThreads;
        private int workerThreads;
        private Duration drainTimeout;
        private int overloadStatus;
        private String controlMode;
        private Duration pollInterval;
        private Set<String> requiredModels;
        private String adminToken;
        private SecurityConfig security;

        private Builder(ServerConfig c) {
            host = c.host;
            port = c.port;
            grpcPort = c.grpcPort;
            grpcConnections = c.grpcConnections;
            modelRepository = c.modelRepository;
            modelName = c.modelName;
            defaultModel = c.defaultModel;
            maxBodyBytes = c.maxBodyBytes;
            logFormat = c.logFormat;
            ioThreads = c.ioThreads;
            workerThreads = c.workerThreads;
            drainTimeout = c.drainTimeout;
            overloadStatus = c.overloadStatus;
            controlMode = c.controlMode;
            pollInterval = c.pollInterval;
            requiredModels = c.requiredModels;
            adminToken = c.adminToken;
            security = c.security;
        }

        /**
         * Sets host.
         *
         * @param value address to bind
         * @return this builder
         */
        public Builder host(String value) {
            host = value;
            return this;
        }

        /**
         * Sets the gRPC port.
         *
         * @param value 1..65535, or 0 for no gRPC listener
         * @return this builder
         */
        public Builder grpcPort(int value) {
            grpcPort = value;
            return this;
        }

        /**
         * Sets grpcConnections.
         *
         * @param value how the gRPC listener manages its connections; null: {@link GrpcConnectionConfig#defaults()}
         * @return this builder
         */
        public Builder grpcConnections(GrpcConnectionConfig value) {
            grpcConnections = value;
            return this;
        }

        /**
         * Sets port.
         *
         * @param value port to bind, 0..65535; 0 picks a free one
         * @return this builder
         */
        public Builder port(int value) {
            port = value;
            return this;
        }

        /**
         * Sets modelRepository.
         *
         * @param value repository, model directory, model file or remote store URI
         * @return this builder
         */
        public Builder modelRepository(String value) {
            modelRepository = value;
            return this;
        }

        /**
         * Sets defaultModel.
         *
         * @param value model {@code POST /predict} serves; null: the only one
         * @return this builder
         */
        public Builder defaultModel(String value) {
            defaultModel = value;
            return this;
        }

        /**
         * Sets maxBodyBytes.
         *
         * @param value largest request body in bytes, at least 1024
         * @return this builder
         */
        public Builder maxBodyBytes(long value) {
            maxBodyBytes = value;
            return this;
        }

        /**
         * Sets overloadStatus.
         *
         * @param value 503 or 429
         * @return this builder
         */
        public Builder overloadStatus(int value) {
            overloadStatus = value;
            return this;
        }

        /**
         * Sets controlMode.
         *
         * @param value {@code none}, {@code poll} or {@code explicit}
         * @return this builder
         */
        public Builder controlMode(String value) {
            controlMode = value;
            return this;
        }

        /**
         * Sets pollInterval.
         *
         * @param value how often poll mode reads the repository, at least 1 s
         * @return this builder
         */
        public Builder pollInterval(Duration value) {
            pollInterval = value;
            return this;
        }

        /**
         * Sets requiredModels.
         *
         * @param value models that must be ready for readiness; empty: any one
         * @return this builder
         */
        public Builder requiredModels(Set<String> value) {
            requiredModels = value;
            return this;
        }

        /**
         * Sets adminToken.
         *
         * @param value repository API bearer token, at least 16 characters; null turns the API off
         * @return this builder
         */
        public Builder adminToken(String value) {
            adminToken = value;
            return this;
        }

        /**
         * Sets drainTimeout.
         *
         * @param value time in-flight requests get on SIGTERM, not negative
         * @return this builder
         */
        public Builder drainTimeout(Duration value) {
            drainTimeout = value;
            return this;
        }

        /**
         * Sets security.
         *
         * @param value tokens, rate limit, TLS and timeouts; null: the defaults
         * @return this builder
         */
        public Builder security(SecurityConfig value) {
            security = value;
            return this;
        }

        /**
         * Validates and builds the config.
         *
         * @return a new config
         * @throws IllegalArgumentException naming the flag of the first invalid setting
         */
        public ServerConfig build() {
            return new ServerConfig(host, port, grpcPort, grpcConnections, modelRepository, modelName, defaultModel,
                    maxBodyBytes, logFormat, ioThreads, workerThreads, drainTimeout, overloadStatus, controlMode,
                    pollInterval, requiredModels, adminToken, security);
        }
    }
}
