package io.kubeserve.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The server's settings, read once at start from command-line flags and {@code KUBESERVE_*}
 * environment variables (a flag wins over its variable), and validated with a message that
 * names the flag.
 *
 * @param host            address to bind
 * @param port            port to bind; 0 picks a free one
 * @param modelRepository where the models are: a directory (repository, one model) or model file,
 *                        or a remote store URI
 * @param modelName       name for a single-model directory or file; null: derived from its name
 * @param defaultModel    model that {@code /predict} serves; null: the only model loaded
 * @param maxBodyBytes    largest request body accepted (413 beyond)
 * @param logFormat       {@code text} or {@code json}
 * @param ioThreads       Undertow I/O threads (0: one per core)
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
public record ServerConfig(String host, int port, String modelRepository, String modelName, String defaultModel,
                           long maxBodyBytes, String logFormat, int ioThreads, int workerThreads,
                           Duration drainTimeout, int overloadStatus, String controlMode, Duration pollInterval,
                           Set<String> requiredModels, String adminToken, SecurityConfig security) {

    /** Flags, their environment variables and help text, in the order {@code --help} lists them. */
    private static final Map<String, String[]> FLAGS = new LinkedHashMap<>();
    private static final List<String> CONTROL_MODES = List.of("none", "poll", "explicit");

    static {
        flag("--model-repository", "KUBESERVE_MODEL_REPOSITORY", "DIR", "model repository, model directory or model file (required)");
        flag("--host", "KUBESERVE_HOST", "ADDR", "address to bind (default 0.0.0.0)");
        flag("--port", "KUBESERVE_PORT", "N", "port to bind (default 8080; 0 picks a free port)");
        flag("--model-name", "KUBESERVE_MODEL_NAME", "NAME", "name for a single model directory or file (default: its name)");
        flag("--default-model", "KUBESERVE_DEFAULT_MODEL", "NAME", "model served by POST /predict (default: the only model)");
        flag("--model-control-mode", "KUBESERVE_MODEL_CONTROL_MODE", "MODE", "none, poll or explicit (default none)");
        flag("--repository-poll-seconds", "KUBESERVE_REPOSITORY_POLL_SECONDS", "N", "poll mode: seconds between repository reads (default 15)");
        flag("--require-models", "KUBESERVE_REQUIRE_MODELS", "A,B", "models that must be ready for /ready (default: any one)");
        flag("--admin-token-file", "KUBESERVE_ADMIN_TOKEN_FILE", "FILE", "file holding the repository API's bearer token (or KUBESERVE_ADMIN_TOKEN)");
        flag("--max-body-size", "KUBESERVE_MAX_BODY_SIZE", "SIZE", "largest request body, e.g. 16m, 512k (default 16m)");
        flag("--overload-status", "KUBESERVE_OVERLOAD_STATUS", "CODE", "status when a model's queue is full: 503 or 429 (default 503)");
        flag("--log-format", "KUBESERVE_LOG_FORMAT", "FMT", "text or json (default text)");
        flag("--io-threads", "KUBESERVE_IO_THREADS", "N", "network threads (default: one per core)");
        flag("--worker-threads", "KUBESERVE_WORKER_THREADS", "N", "threads that decode large bodies and run the repository API (default: one per core, at least 2)");
        flag("--drain-timeout", "KUBESERVE_DRAIN_TIMEOUT", "SECONDS", "time in-flight requests get on SIGTERM (default 20)");
        flag("--auth-tokens-file", "KUBESERVE_AUTH_TOKENS_FILE", "FILE", "API bearer tokens, one a line (or KUBESERVE_AUTH_TOKENS=a,b); default: no auth");
        flag("--auth-probes", "KUBESERVE_AUTH_PROBES", "MODE", "open or protected: probes need a token too (default open)");
        flag("--auth-metrics", "KUBESERVE_AUTH_METRICS", "MODE", "open or protected: /metrics needs a token (default open)");
        flag("--rate-limit", "KUBESERVE_RATE_LIMIT", "RPS", "requests a second per client, 429 beyond; 0 is off (default 0)");
        flag("--rate-limit-burst", "KUBESERVE_RATE_LIMIT_BURST", "N", "extra requests a client may send at once (default 0)");
        flag("--tls-cert", "KUBESERVE_TLS_CERT", "FILE", "serve HTTPS (and HTTP/2): PEM certificate chain, with --tls-key");
        flag("--tls-key", "KUBESERVE_TLS_KEY", "FILE", "PEM PKCS#8 private key (RSA or EC) for --tls-cert");
        flag("--tls-keystore", "KUBESERVE_TLS_KEYSTORE", "FILE", "serve HTTPS from a PKCS12 keystore instead of PEM");
        flag("--tls-keystore-password-file", "KUBESERVE_TLS_KEYSTORE_PASSWORD_FILE", "FILE", "file holding the keystore's password");
        flag("--header-timeout", "KUBESERVE_HEADER_TIMEOUT", "SECONDS", "time a client gets to send request headers (default 10)");
        flag("--idle-timeout", "KUBESERVE_IDLE_TIMEOUT", "SECONDS", "close connections silent this long (default 120)");
    }

    private static void flag(String flag, String variable, String argument, String help) {
        FLAGS.put(flag, new String[] {variable, argument, help});
    }

    public ServerConfig {
        if (modelRepository == null || modelRepository.isBlank()) {
            throw new IllegalArgumentException("--model-repository (or KUBESERVE_MODEL_REPOSITORY) is required");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
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
        if (adminToken != null && adminToken.length() < 16) {
            throw new IllegalArgumentException("the admin token must be at least 16 characters");
        }
    }

    /** Defaults for everything but the repository; for tests and embedding. */
    public static ServerConfig defaults(Path modelRepository) {
        return new ServerConfig("0.0.0.0", 8080, modelRepository.toString(), null, null, 16L << 20, "text", 0, 0,
                Duration.ofSeconds(20), 503, "none", Duration.ofSeconds(15), Set.of(), null, SecurityConfig.defaults());
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public ServerConfig withPort(int newPort) {
        return toBuilder().port(newPort).build();
    }

    public ServerConfig withHost(String newHost) {
        return toBuilder().host(newHost).build();
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return toBuilder().maxBodyBytes(bytes).build();
    }

    public ServerConfig withDefaultModel(String model) {
        return toBuilder().defaultModel(model).build();
    }

    public ServerConfig withOverloadStatus(int status) {
        return toBuilder().overloadStatus(status).build();
    }

    public ServerConfig withSecurity(SecurityConfig settings) {
        return toBuilder().security(settings).build();
    }

    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int effectiveWorkerThreads() {
        // no request waits on a worker any more (it waits in its model's queue): workers decode big
        // bodies, which is CPU work, and run the repository API; one per core, and two on one core
        // so a model load through the API never holds the only one
        return workerThreads > 0 ? workerThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Reads flags ({@code --port 8080} or {@code --port=8080}) over environment variables.
     *
     * @throws IllegalArgumentException naming the flag that is wrong
     */
    public static ServerConfig parse(String[] args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        FLAGS.forEach((flag, meta) -> {
            String value = env.get(meta[0]);
            if (value != null && !value.isBlank()) {
                values.put(flag, value.trim());
            }
        });
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String value;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            } else if (FLAGS.containsKey(arg) && i + 1 < args.length) {
                value = args[++i];
            } else {
                value = null;
            }
            if (!FLAGS.containsKey(flag)) {
                throw new IllegalArgumentException("unknown option '" + arg + "' (see --help)");
            }
            if (value == null) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            values.put(flag, value);
        }
        String repository = values.get("--model-repository");
        return new ServerConfig(
                values.getOrDefault("--host", "0.0.0.0"),
                integer(values, "--port", 8080),
                repository,
                values.get("--model-name"),
                values.get("--default-model"),
                size(values.getOrDefault("--max-body-size", "16m")),
                values.getOrDefault("--log-format", "text").toLowerCase(Locale.ROOT),
                integer(values, "--io-threads", 0),
                integer(values, "--worker-threads", 0),
                Duration.ofSeconds(integer(values, "--drain-timeout", 20)),
                integer(values, "--overload-status", 503),
                values.getOrDefault("--model-control-mode", "none").toLowerCase(Locale.ROOT),
                Duration.ofSeconds(integer(values, "--repository-poll-seconds", 15)),
                names(values.get("--require-models")),
                adminToken(values.get("--admin-token-file"), env.get("KUBESERVE_ADMIN_TOKEN")),
                SecurityConfig.parse(values, env));
    }

    static int integer(Map<String, String> values, String flag, int fallback) {
        String text = values.get(flag);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, got '" + text + "'");
        }
    }

    private static Set<String> names(String text) {
        if (text == null || text.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(text.split(",")).map(String::trim).filter(name -> !name.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** From a file (a mounted Secret), else from the environment; never from a flag, which {@code ps} shows. */
    private static String adminToken(String file, String fromEnvironment) {
        if (file != null) {
            try {
                return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("--admin-token-file " + file + " cannot be read: " + e.getMessage());
            }
        }
        return fromEnvironment == null || fromEnvironment.isBlank() ? null : fromEnvironment.strip();
    }

    /** {@code 1048576}, {@code 512k}, {@code 16m}, {@code 1g}. */
    static long size(String text) {
        String lower = text.toLowerCase(Locale.ROOT).trim();
        long unit = 1;
        char last = lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            lower = lower.substring(0, lower.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(lower), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("--max-body-size must be a size like 16m or 512k, got '" + text + "'");
        }
    }

    /** Like the record's own, but says only whether there is an admin token: a config may end up in a log. */
    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", modelRepository=" + modelRepository
                + ", modelName=" + modelName + ", defaultModel=" + defaultModel + ", maxBodyBytes=" + maxBodyBytes
                + ", logFormat=" + logFormat + ", ioThreads=" + ioThreads + ", workerThreads=" + workerThreads
                + ", drainTimeout=" + drainTimeout + ", overloadStatus=" + overloadStatus + ", controlMode="
                + controlMode + ", pollInterval=" + pollInterval + ", requiredModels=" + requiredModels
                + ", adminToken=" + (adminToken == null ? "none" : "set") + ", security=" + security + "]";
    }

    /** {@code KUBESERVE_*} variables that name no setting: likely typos, worth a warning. */
    public static List<String> unknownVariables(Map<String, String> env) {
        java.util.Set<String> known = new java.util.HashSet<>(List.of("KUBESERVE_ADMIN_TOKEN", "KUBESERVE_AUTH_TOKENS",
                KubeServeServer.CACHE_DIR_VARIABLE));
        known.addAll(io.kubeserve.core.repository.remote.RemoteSettings.VARIABLES);
        FLAGS.values().forEach(meta -> known.add(meta[0]));
        return env.keySet().stream().filter(key -> key.startsWith("KUBESERVE_") && !known.contains(key)).sorted().toList();
    }

    /** The {@code --help} text. */
    public static String usage() {
        StringBuilder out = new StringBuilder("""
                Usage: java -jar kubeserve-server.jar --model-repository DIR [options]
                       java -jar kubeserve-server.jar manifests --help
                       java -jar kubeserve-server.jar fetch --help

                Serves ONNX, scikit-learn (ONNX) and TorchScript models over HTTP: POST /predict,
                KServe V1 (/v1/models/...), Open Inference Protocol V2 (/v2/...), /metrics, /docs.

                Options (each also read from the environment variable shown):
                """);
        FLAGS.forEach((flag, meta) -> out.append(String.format(Locale.ROOT, "  %-31s %-34s %s%n",
                flag + " " + meta[1], meta[0], meta[2])));
        out.append("  --help                          print this help\n");
        return out.toString();
    }

    /** A copy of a config with some settings changed. */
    public static final class Builder {
        private String host;
        private int port;
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

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder modelRepository(String value) {
            modelRepository = value;
            return this;
        }

        public Builder defaultModel(String value) {
            defaultModel = value;
            return this;
        }

        public Builder maxBodyBytes(long value) {
            maxBodyBytes = value;
            return this;
        }

        public Builder overloadStatus(int value) {
            overloadStatus = value;
            return this;
        }

        public Builder controlMode(String value) {
            controlMode = value;
            return this;
        }

        public Builder pollInterval(Duration value) {
            pollInterval = value;
            return this;
        }

        public Builder requiredModels(Set<String> value) {
            requiredModels = value;
            return this;
        }

        public Builder adminToken(String value) {
            adminToken = value;
            return this;
        }

        public Builder drainTimeout(Duration value) {
            drainTimeout = value;
            return this;
        }

        public Builder security(SecurityConfig value) {
            security = value;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(host, port, modelRepository, modelName, defaultModel, maxBodyBytes, logFormat,
                    ioThreads, workerThreads, drainTimeout, overloadStatus, controlMode, pollInterval, requiredModels,
                    adminToken, security);
        }
    }
}
