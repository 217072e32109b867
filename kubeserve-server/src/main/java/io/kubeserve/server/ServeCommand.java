package io.kubeserve.server;

import io.kubeserve.engine.python.PythonSettings;
import io.kubeserve.server.cli.EnvironmentDefaults;
import io.kubeserve.server.cli.VersionProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code serve}, the default command: binds {@link ServerConfig} from flags and, through
 * {@link EnvironmentDefaults}, {@code KUBESERVE_*} variables, then hands it to a {@link Launcher}. Each
 * option's variable is its long name, e.g. {@code --max-body-size} reads {@code KUBESERVE_MAX_BODY_SIZE};
 * a flag wins over its variable. Secrets have no flag ({@code ps} shows flags): the admin token and the
 * API tokens come from a file or from {@code KUBESERVE_ADMIN_TOKEN} / {@code KUBESERVE_AUTH_TOKENS}.
 *
 * <p>Its picocli model is built in code ({@link #spec()}), not read from annotations: every pod start
 * runs this command, and on one core picocli's reflection over an annotated command (and the JDK's
 * proxies for the annotations) cost about 75 ms more (docs/BENCHMARKS.md). The options read as a
 * table in {@link #addOptions}.
 *
 * <p>One instance parses one command line; not thread-safe.
 */
public final class ServeCommand implements Callable<Integer> {

    /** Variables the server reads that no option stands for: secrets, read from the environment only. */
    public static final Set<String> SECRET_VARIABLES = Set.of("KUBESERVE_ADMIN_TOKEN", "KUBESERVE_AUTH_TOKENS");

    /** Starts the server a {@code serve} command line describes. */
    @FunctionalInterface
    public interface Launcher {

        /**
         * Starts serving; called once, on the thread that runs the command line.
         *
         * @param config           the validated settings
         * @param unknownVariables {@code KUBESERVE_*} variables that name no setting, sorted, for a warning
         * @return the exit status: 0 when serving (the process then lives on until SIGTERM), 1 when the
         *         server could not start
         */
        int launch(ServerConfig config, List<String> unknownVariables);
    }

    private final CommandSpec spec;
    private final Map<String, String> environment;
    private final Set<String> alsoKnownVariables;
    private final Launcher launcher;

    /**
     * A command that reads secrets from {@code environment} and hands the config to {@code launcher}.
     *
     * @param environment        the process environment (the option defaults come through
     *                           {@link EnvironmentDefaults}, which {@link Cli} installs)
     * @param alsoKnownVariables {@code KUBESERVE_*} variables read elsewhere, not to be warned about
     * @param launcher           what runs the config
     */
    public ServeCommand(Map<String, String> environment, Set<String> alsoKnownVariables, Launcher launcher) {
        this.environment = Map.copyOf(environment);
        this.alsoKnownVariables = Set.copyOf(alsoKnownVariables);
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        spec = CommandSpec.wrapWithoutInspection(this).name("serve").versionProvider(new VersionProvider());
        spec.usageMessage().width(100).sortOptions(false).abbreviateSynopsis(true)
                .header("Serves models over HTTP and gRPC (the default command).")
                .description("Serves ONNX, TorchScript and scikit-learn (ONNX or joblib) models over HTTP and gRPC: POST "
                        + "/predict, KServe V1 (/v1/models/...), Open Inference Protocol V2 (/v2/...), /metrics, /docs; and "
                        + "the Open Inference Protocol over gRPC (--grpc-port). Ready when GET /v2/health/ready answers "
                        + "200. The jar runs this command when no command is given.", "")
                .footer("", "Each option also reads the environment variable shown under it; a flag wins over its "
                        + "variable. Secrets have no flag: KUBESERVE_ADMIN_TOKEN (else --admin-token-file) and "
                        + "KUBESERVE_AUTH_TOKENS=a,b (else --auth-tokens-file). Remote stores: KUBESERVE_MODEL_CACHE_DIR "
                        + "and the KUBESERVE_S3_* variables (see the README).",
                        "Exit status: 1 the server could not start, 2 bad usage; once serving it runs until SIGTERM "
                        + "(then drains and exits with 0).");
        Cli.addStandardHelpOptions(spec);
        addOptions(spec);
    }

    /**
     * The command's picocli model, bound to this instance: {@code new CommandLine(serve.spec())}.
     *
     * @return the model; the same on every call
     */
    public CommandSpec spec() {
        return spec;
    }

    /** The options, in the order the help lists them; {@code ${DEFAULT-VALUE}} is picocli's. */
    private static void addOptions(CommandSpec command) {
        option(command, "--model-repository", "DIR", null, String.class,
                "Model repository, model directory, model file or remote store URI (required).");
        option(command, "--host", "ADDR", "0.0.0.0", String.class, "Address to bind (default ${DEFAULT-VALUE}).");
        option(command, "--port", "N", "8080", int.class, "Port to bind; 0 picks a free port (default ${DEFAULT-VALUE}).");
        option(command, "--grpc-port", "N", "8081", int.class,
                "Port of the Open Inference Protocol over gRPC (and gRPC health, reflection); 0: off (default ${DEFAULT-VALUE}).");
        option(command, "--grpc-max-connection-age", "SECONDS", "0", int.class,
                "End each gRPC connection gracefully after this long, so clients reconnect and reach pods an autoscaler"
                        + " added; calls and streams open on it run to their end; 0: no limit (default ${DEFAULT-VALUE}).");
        option(command, "--grpc-keepalive-time", "SECONDS", "7200", int.class,
                "Ping a gRPC connection silent this long, to find clients that vanished and keep the path open;"
                        + " at least 10 (default ${DEFAULT-VALUE}, gRPC's).");
        option(command, "--grpc-keepalive-timeout", "SECONDS", "20", int.class,
                "Close a gRPC connection whose client does not answer the ping within this time; at least 1"
                        + " (default ${DEFAULT-VALUE}, gRPC's).");
        option(command, "--grpc-permit-keepalive-time", "SECONDS", "300", int.class,
                "Shortest interval between a client's keepalive pings accepted; a client pinging more often is sent away"
                        + " (GOAWAY too_many_pings); 0: any, 7200 at most (default ${DEFAULT-VALUE}, gRPC's).");
        command.addOption(OptionSpec.builder("--grpc-permit-keepalive-without-calls").type(boolean.class).arity("0")
                .description("Accept keepalive pings at that interval on gRPC connections with no call open too"
                        + " (default: on those, one every 2 h at most, gRPC's).").build());
        option(command, "--grpc-max-concurrent-streams", "N", "100", int.class,
                "Calls a gRPC connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; a"
                        + " ModelStreamInfer stream is one); clients hold more until one ends; at least 1"
                        + " (default ${DEFAULT-VALUE}).");
        option(command, "--grpc-max-rst-streams", "N", "1000", int.class,
                "Send away a gRPC connection that resets more streams than this within --grpc-rst-stream-window"
                        + " (HTTP/2 Rapid Reset; cancelled calls count); 0: no limit (default ${DEFAULT-VALUE}).");
        option(command, "--grpc-rst-stream-window", "SECONDS", "10", int.class,
                "The window --grpc-max-rst-streams counts in; 1 to 3600 (default ${DEFAULT-VALUE}).");
        option(command, "--model-name", "NAME", null, String.class,
                "Name for a single model directory or file (default: its name).");
        option(command, "--default-model", "NAME", null, String.class,
                "Model served by POST /predict (default: the only model).");
        option(command, "--model-control-mode", "MODE", "none", String.class,
                "none, poll or explicit (default ${DEFAULT-VALUE}).");
        option(command, "--repository-poll-seconds", "N", "15", int.class,
                "Poll mode: seconds between repository reads (default ${DEFAULT-VALUE}).");
        option(command, "--require-models", "A,B", null, String.class,
                "Models that must be ready for /ready, comma-separated (default: any one).");
        option(command, "--admin-token-file", "FILE", null, Path.class,
                "File holding the repository API's bearer token (or KUBESERVE_ADMIN_TOKEN).");
        command.addOption(OptionSpec.builder("--max-body-size").paramLabel("SIZE").defaultValue("16m").type(long.class)
                .converters(new SizeConverter())
                .description("Largest request body, e.g. 16m, 512k, 1g or bytes (default ${DEFAULT-VALUE}).").build());
        option(command, "--overload-status", "CODE", "503", int.class,
                "Status when a model's queue is full: 503 or 429 (default ${DEFAULT-VALUE}).");
        option(command, "--log-format", "FMT", "text", String.class, "text or json (default ${DEFAULT-VALUE}).");
        option(command, "--io-threads", "N", "0", int.class,
                "Network threads of each listener (HTTP I/O threads, gRPC event loops); 0: one per core (default ${DEFAULT-VALUE}).");
        option(command, "--worker-threads", "N", "0", int.class,
                "Threads that decode large bodies and run the repository API; 0: one per core, at least 2 (default ${DEFAULT-VALUE}).");
        option(command, "--drain-timeout", "SECONDS", "20", int.class,
                "Time in-flight requests get on SIGTERM (default ${DEFAULT-VALUE}).");
        option(command, "--auth-tokens-file", "FILE", null, Path.class,
                "API bearer tokens, one a line (or KUBESERVE_AUTH_TOKENS=a,b); default: no auth.");
        access(command, "--auth-probes", "open or protected: probes need a token too (default open).");
        access(command, "--auth-metrics", "open or protected: /metrics needs a token (default open).");
        option(command, "--rate-limit", "RPS", "0", int.class,
                "Requests a second per client, 429 beyond; 0 is off (default ${DEFAULT-VALUE}).");
        option(command, "--rate-limit-burst", "N", "0", int.class,
                "Extra requests a client may send at once (default ${DEFAULT-VALUE}).");
        option(command, "--tls-cert", "FILE", null, Path.class,
                "Serve HTTPS (and HTTP/2): PEM certificate chain, with --tls-key.");
        option(command, "--tls-key", "FILE", null, Path.class, "PEM PKCS#8 private key (RSA or EC) for --tls-cert.");
        option(command, "--tls-keystore", "FILE", null, Path.class, "Serve HTTPS from a PKCS12 keystore instead of PEM.");
        option(command, "--tls-keystore-password-file", "FILE", null, Path.class, "File holding the keystore's password.");
        option(command, "--header-timeout", "SECONDS", "10", int.class,
                "Time a client gets to send request headers; for gRPC, the TLS handshake and HTTP/2 preface"
                        + " (default ${DEFAULT-VALUE}).");
        option(command, "--idle-timeout", "SECONDS", "120", int.class,
                "Close HTTP connections silent this long (default ${DEFAULT-VALUE}).");
        option(command, "--python", "PATH", null, String.class,
                "Python interpreter for model.joblib/.pkl models (default python3 on the PATH; a model's config parameter"
                        + " 'python' wins).");
        command.addOption(OptionSpec.builder("--python-install-requirements").type(boolean.class).arity("0")
                .description("pip install each Python model's requirements.txt into a directory of its own before loading"
                        + " it (default: only check them against the installed packages).").build());
    }

    private static void option(CommandSpec command, String name, String paramLabel, String defaultValue, Class<?> type,
                               String description) {
        command.addOption(OptionSpec.builder(name).paramLabel(paramLabel).defaultValue(defaultValue).type(type)
                .description(description).build());
    }

    private static void access(CommandSpec command, String name, String description) {
        command.addOption(OptionSpec.builder(name).paramLabel("MODE").defaultValue("open").type(Access.class)
                .converters(new AccessConverter()).description(description).build());
    }

    /** An option's parsed value (its default when the command line and the environment leave it out; null when it has none). */
    private <T> T value(String name) {
        return spec.findOption(name).getValue();
    }

    private int integer(String name) {
        return this.<Integer>value(name);
    }

    /**
     * Validates the parsed options into the server's settings, reading token files.
     *
     * @return the settings
     * @throws ParameterException naming the flag when a value breaks a rule or a file cannot be read
     */
    public ServerConfig config() {
        try {
            SecurityConfig security = new SecurityConfig(authTokens(), value("--auth-probes") == Access.PROTECTED,
                    value("--auth-metrics") == Access.PROTECTED, integer("--rate-limit"), integer("--rate-limit-burst"),
                    value("--tls-cert"), value("--tls-key"), value("--tls-keystore"), value("--tls-keystore-password-file"),
                    Duration.ofSeconds(integer("--header-timeout")), Duration.ofSeconds(integer("--idle-timeout")));
            long maxBodyBytes = value("--max-body-size");
            String logFormat = value("--log-format");
            String controlMode = value("--model-control-mode");
            return new ServerConfig(value("--host"), integer("--port"), integer("--grpc-port"),
                    grpcConnections(), value("--model-repository"),
                    value("--model-name"), value("--default-model"), maxBodyBytes, logFormat.toLowerCase(Locale.ROOT),
                    integer("--io-threads"), integer("--worker-threads"), Duration.ofSeconds(integer("--drain-timeout")),
                    integer("--overload-status"), controlMode.toLowerCase(Locale.ROOT),
                    Duration.ofSeconds(integer("--repository-poll-seconds")), names(value("--require-models")), adminToken(),
                    security);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private GrpcConnectionConfig grpcConnections() {
        return new GrpcConnectionConfig(Duration.ofSeconds(integer("--grpc-max-connection-age")),
                Duration.ofSeconds(integer("--grpc-keepalive-time")),
                Duration.ofSeconds(integer("--grpc-keepalive-timeout")),
                Duration.ofSeconds(integer("--grpc-permit-keepalive-time")),
                Boolean.TRUE.equals(value("--grpc-permit-keepalive-without-calls")),
                integer("--grpc-max-concurrent-streams"), integer("--grpc-max-rst-streams"),
                Duration.ofSeconds(integer("--grpc-rst-stream-window")));
    }

    /**
     * Binds the config and launches it.
     *
     * @return the launcher's exit status
     * @throws ParameterException for bad settings (exit status 2 through {@link Cli})
     */
    @Override
    public Integer call() {
        ServerConfig config = config();
        // the Python engine is a ServiceLoader plug-in: it reads these when it loads a model
        String python = value("--python");
        if (python != null && !python.isBlank()) {
            System.setProperty(PythonSettings.PYTHON_PROPERTY, python);
        }
        if (Boolean.TRUE.equals(value("--python-install-requirements"))) {
            System.setProperty(PythonSettings.INSTALL_PROPERTY, "true");
        }
        return launcher.launch(config, EnvironmentDefaults.unknownVariables(environment, spec, alsoKnown()));
    }

    private Set<String> alsoKnown() {
        Set<String> known = new java.util.HashSet<>(alsoKnownVariables);
        known.addAll(SECRET_VARIABLES);
        return known;
    }

    private static Set<String> names(String text) {
        if (text == null || text.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(text.split(",")).map(String::strip).filter(name -> !name.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** From a file (a mounted Secret), else from the environment; never from a flag, which {@code ps} shows. */
    private String adminToken() {
        Path adminTokenFile = value("--admin-token-file");
        if (adminTokenFile != null) {
            return read(adminTokenFile, "--admin-token-file").strip();
        }
        String value = environment.get("KUBESERVE_ADMIN_TOKEN");
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** A file wins over the variable; a set but empty source fails closed: whoever set it meant auth on. */
    private List<String> authTokens() {
        String text;
        String separator;
        String fromEnvironment = environment.get("KUBESERVE_AUTH_TOKENS");
        Path authTokensFile = value("--auth-tokens-file");
        if (authTokensFile != null) {
            text = read(authTokensFile, "--auth-tokens-file");
            separator = "\\R";
        } else if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            text = fromEnvironment;
            separator = ",";
        } else {
            return List.of();
        }
        List<String> tokens = Arrays.stream(text.split(separator)).map(String::strip).filter(t -> !t.isEmpty())
                .distinct().toList();
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException((authTokensFile != null ? "--auth-tokens-file " + authTokensFile
                    : "KUBESERVE_AUTH_TOKENS") + " holds no token");
        }
        return tokens;
    }

    private static String read(Path file, String flag) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** {@code 1048576}, {@code 512k}, {@code 16m}, {@code 1g} (binary units, any case) to bytes. */
    static final class SizeConverter implements ITypeConverter<Long> {

        @Override
        public Long convert(String text) {
            String lower = text.toLowerCase(Locale.ROOT).strip();
            long unit = 1;
            char last = lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1);
            if (last == 'k' || last == 'm' || last == 'g') {
                unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
                lower = lower.substring(0, lower.length() - 1);
            }
            try {
                return Math.multiplyExact(Long.parseLong(lower), unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new TypeConversionException("must be a size like 16m or 512k, got '" + text + "'");
            }
        }
    }

    /** Whether an endpoint group needs a token. */
    enum Access { OPEN, PROTECTED }

    /** {@code open} or {@code protected}, any case. */
    static final class AccessConverter implements ITypeConverter<Access> {

        @Override
        public Access convert(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "open" -> Access.OPEN;
                case "protected" -> Access.PROTECTED;
                default -> throw new TypeConversionException("must be open or protected, got '" + text + "'");
            };
        }
    }
}
