package io.kubeserve.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The server's settings, read once at start from command-line flags and {@code KUBESERVE_*}
 * environment variables (a flag wins over its variable), validated with a message that names
 * the flag.
 *
 * @param host            address to bind
 * @param port            port to bind; 0 picks a free one
 * @param modelRepository model repository directory, single model directory or model file
 * @param modelName       name for a single-model directory or file; null: derived from its name
 * @param defaultModel    model that {@code /predict} serves; null: the only model loaded
 * @param maxBodyBytes    largest request body accepted (413 beyond)
 * @param logFormat       {@code text} or {@code json}
 * @param ioThreads       Undertow I/O threads (0: one per core)
 * @param workerThreads   threads that decode, run and encode requests (0: 4 per core, at least 8)
 * @param drainTimeout    on SIGTERM, how long in-flight requests may take to finish
 * @param overloadStatus  status for a full model queue: 503 (default) or 429
 */
public record ServerConfig(String host, int port, Path modelRepository, String modelName, String defaultModel,
                           long maxBodyBytes,
                           String logFormat, int ioThreads, int workerThreads, Duration drainTimeout,
                           int overloadStatus) {

    /** Flags, their environment variables and help text, in the order {@code --help} lists them. */
    private static final Map<String, String[]> FLAGS = new LinkedHashMap<>();

    static {
        FLAGS.put("--model-repository", new String[] {"KUBESERVE_MODEL_REPOSITORY", "DIR", "model repository, model directory or model file (required)"});
        FLAGS.put("--host", new String[] {"KUBESERVE_HOST", "ADDR", "address to bind (default 0.0.0.0)"});
        FLAGS.put("--port", new String[] {"KUBESERVE_PORT", "N", "port to bind (default 8080; 0 picks a free port)"});
        FLAGS.put("--model-name", new String[] {"KUBESERVE_MODEL_NAME", "NAME", "name for a single model directory or file (default: its name)"});
        FLAGS.put("--default-model", new String[] {"KUBESERVE_DEFAULT_MODEL", "NAME", "model served by POST /predict (default: the only model)"});
        FLAGS.put("--max-body-size", new String[] {"KUBESERVE_MAX_BODY_SIZE", "SIZE", "largest request body, e.g. 16m, 512k (default 16m)"});
        FLAGS.put("--log-format", new String[] {"KUBESERVE_LOG_FORMAT", "FMT", "text or json (default text)"});
        FLAGS.put("--io-threads", new String[] {"KUBESERVE_IO_THREADS", "N", "network threads (default: one per core)"});
        FLAGS.put("--worker-threads", new String[] {"KUBESERVE_WORKER_THREADS", "N", "request threads (default: 4 per core, at least 8)"});
        FLAGS.put("--overload-status", new String[] {"KUBESERVE_OVERLOAD_STATUS", "CODE", "status when a model's queue is full: 503 or 429 (default 503)"});
        FLAGS.put("--drain-timeout", new String[] {"KUBESERVE_DRAIN_TIMEOUT", "SECONDS", "time in-flight requests get on SIGTERM (default 20)"});
    }

    public ServerConfig {
        if (modelRepository == null) {
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
    }

    /** Defaults for everything but the repository; for tests and embedding. */
    public static ServerConfig defaults(Path modelRepository) {
        return new ServerConfig("0.0.0.0", 8080, modelRepository, null, null, 16L << 20, "text", 0, 0,
                Duration.ofSeconds(20), 503);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, modelRepository, modelName, defaultModel, maxBodyBytes, logFormat,
                ioThreads, workerThreads, drainTimeout, overloadStatus);
    }

    public ServerConfig withHost(String newHost) {
        return new ServerConfig(newHost, port, modelRepository, modelName, defaultModel, maxBodyBytes, logFormat,
                ioThreads, workerThreads, drainTimeout, overloadStatus);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(host, port, modelRepository, modelName, defaultModel, bytes, logFormat,
                ioThreads, workerThreads, drainTimeout, overloadStatus);
    }

    public ServerConfig withDefaultModel(String model) {
        return new ServerConfig(host, port, modelRepository, modelName, model, maxBodyBytes, logFormat,
                ioThreads, workerThreads, drainTimeout, overloadStatus);
    }

    public ServerConfig withOverloadStatus(int status) {
        return new ServerConfig(host, port, modelRepository, modelName, defaultModel, maxBodyBytes, logFormat,
                ioThreads, workerThreads, drainTimeout, status);
    }

    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int effectiveWorkerThreads() {
        return workerThreads > 0 ? workerThreads : Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
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
                repository == null ? null : Path.of(repository),
                values.get("--model-name"),
                values.get("--default-model"),
                size(values.getOrDefault("--max-body-size", "16m")),
                values.getOrDefault("--log-format", "text").toLowerCase(Locale.ROOT),
                integer(values, "--io-threads", 0),
                integer(values, "--worker-threads", 0),
                Duration.ofSeconds(integer(values, "--drain-timeout", 20)),
                integer(values, "--overload-status", 503));
    }

    private static int integer(Map<String, String> values, String flag, int fallback) {
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

    /** {@code KUBESERVE_*} variables that name no setting: likely typos, worth a warning. */
    public static java.util.List<String> unknownVariables(Map<String, String> env) {
        java.util.Set<String> known = new java.util.HashSet<>();
        FLAGS.values().forEach(meta -> known.add(meta[0]));
        return env.keySet().stream().filter(key -> key.startsWith("KUBESERVE_") && !known.contains(key)).sorted().toList();
    }

    /** The {@code --help} text. */
    public static String usage() {
        StringBuilder out = new StringBuilder("""
                Usage: java -jar kubeserve-server.jar --model-repository DIR [options]
                       java -jar kubeserve-server.jar manifests --help

                Serves ONNX, scikit-learn (ONNX) and TorchScript models over HTTP: POST /predict,
                KServe V1 (/v1/models/...), Open Inference Protocol V2 (/v2/...), /metrics, /docs.

                Options (each also read from the environment variable shown):
                """);
        FLAGS.forEach((flag, meta) -> out.append(String.format(Locale.ROOT, "  %-28s %-28s %s%n",
                flag + " " + meta[1], meta[0], meta[2])));
        out.append("  --help                       print this help\n");
        return out.toString();
    }
}
