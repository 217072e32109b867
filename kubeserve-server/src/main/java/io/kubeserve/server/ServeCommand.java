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
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code serve}, the default command: binds {@link ServerConfig} from flags and, through
 * {@link EnvironmentDefaults}, {@code KUBESERVE_*} variables, then hands it to a {@link Launcher}. Each
 * option's variable is its long name, e.g. {@code --max-body-size} reads {@code KUBESERVE_MAX_BODY_SIZE};
 * a flag wins over its variable. Secrets have no flag ({@code ps} shows flags): the admin token and the
 * API tokens come from a file or from {@code KUBESERVE_ADMIN_TOKEN} / {@code KUBESERVE_AUTH_TOKENS}.
 *
 * <p>One instance parses one command line; not thread-safe.
 */
@Command(name = "serve", sortOptions = false, mixinStandardHelpOptions = true, abbreviateSynopsis = true,
        addMethodSubcommands = false, versionProvider = VersionProvider.class, usageHelpWidth = 100,
        header = "Serves models over HTTP and gRPC (the default command).",
        description = {"Serves ONNX, TorchScript and scikit-learn (ONNX or joblib) models over HTTP and gRPC: POST /predict, KServe V1 "
                + "(/v1/models/...), Open Inference Protocol V2 (/v2/...), /metrics, /docs; and the Open "
                + "Inference Protocol over gRPC (--grpc-port). Ready when GET /v2/health/ready answers 200. The "
                + "jar runs this command when no command is given.", ""},
        footer = {"", "Each option also reads the environment variable shown under it; a flag wins over its "
                + "variable. Secrets have no flag: KUBESERVE_ADMIN_TOKEN (else --admin-token-file) and "
                + "KUBESERVE_AUTH_TOKENS=a,b (else --auth-tokens-file). Remote stores: KUBESERVE_MODEL_CACHE_DIR "
                + "and the KUBESERVE_S3_* variables (see the README).",
                "Exit status: 1 the server could not start, 2 bad usage; once serving it runs until SIGTERM "
                + "(then drains and exits with 0)."})
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

    @Spec
    private CommandSpec spec;

    private final Map<String, String> environment;
    private final Set<String> alsoKnownVariables;
    private final Launcher launcher;

    @Option(names = "--model-repository", paramLabel = "DIR",
            description = "Model repository, model directory, model file or remote store URI (required).")
    private String modelRepository;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "0.0.0.0",
            description = "Address to bind (default ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "Port to bind; 0 picks a free port (default ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--grpc-port", paramLabel = "N", defaultValue = "8081",
            description = "Port of the Open Inference Protocol over gRPC (and gRPC health, reflection); "
                    + "0: off (default ${DEFAULT-VALUE}).")
    private int grpcPort;

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "Name for a single model directory or file (default: its name).")
    private String modelName;

    @Option(names = "--default-model", paramLabel = "NAME",
            description = "Model served by POST /predict (default: the only model).")
    private String defaultModel;

    @Option(names = "--model-control-mode", paramLabel = "MODE", defaultValue = "none",
            description = "none, poll or explicit (default ${DEFAULT-VALUE}).")
    private String controlMode;

    @Option(names = "--repository-poll-seconds", paramLabel = "N", defaultValue = "15",
            description = "Poll mode: seconds between repository reads (default ${DEFAULT-VALUE}).")
    private int pollSeconds;

    @Option(names = "--require-models", paramLabel = "A,B",
            description = "Models that must be ready for /ready, comma-separated (default: any one).")
    private String requiredModels;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the repository API's bearer token (or KUBESERVE_ADMIN_TOKEN).")
    private Path adminTokenFile;

    @Option(names = "--max-body-size", paramLabel = "SIZE", defaultValue = "16m", converter = SizeConverter.class,
            description = "Largest request body, e.g. 16m, 512k, 1g or bytes (default ${DEFAULT-VALUE}).")
    private long maxBodyBytes;

    @Option(names = "--overload-status", paramLabel = "CODE", defaultValue = "503",
            description = "Status when a model's queue is full: 503 or 429 (default ${DEFAULT-VALUE}).")
    private int overloadStatus;

    @Option(names = "--log-format", paramLabel = "FMT", defaultValue = "text",
            description = "text or json (default ${DEFAULT-VALUE}).")
    private String logFormat;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "0",
            description = "Network threads of each listener (HTTP I/O threads, gRPC event loops); 0: one per "
                    + "core (default ${DEFAULT-VALUE}).")
    private int ioThreads;

    @Option(names = "--worker-threads", paramLabel = "N", defaultValue = "0",
            description = "Threads that decode large bodies and run the repository API; 0: one per core, "
                    + "at least 2 (default ${DEFAULT-VALUE}).")
    private int workerThreads;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "Time in-flight requests get on SIGTERM (default ${DEFAULT-VALUE}).")
    private int drainSeconds;

    @Option(names = "--auth-tokens-file", paramLabel = "FILE",
            description = "API bearer tokens, one a line (or KUBESERVE_AUTH_TOKENS=a,b); default: no auth.")
    private Path authTokensFile;

    @Option(names = "--auth-probes", paramLabel = "MODE", defaultValue = "open", converter = AccessConverter.class,
            description = "open or protected: probes need a token too (default open).")
    private Access probes;

    @Option(names = "--auth-metrics", paramLabel = "MODE", defaultValue = "open", converter = AccessConverter.class,
            description = "open or protected: /metrics needs a token (default open).")
    private Access metrics;

    @Option(names = "--rate-limit", paramLabel = "RPS", defaultValue = "0",
            description = "Requests a second per client, 429 beyond; 0 is off (default ${DEFAULT-VALUE}).")
    private int rateLimit;

    @Option(names = "--rate-limit-burst", paramLabel = "N", defaultValue = "0",
            description = "Extra requests a client may send at once (default ${DEFAULT-VALUE}).")
    private int rateLimitBurst;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS (and HTTP/2): PEM certificate chain, with --tls-key.")
    private Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM PKCS#8 private key (RSA or EC) for --tls-cert.")
    private Path tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Serve HTTPS from a PKCS12 keystore instead of PEM.")
    private Path tlsKeystore;

    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE", description = "File holding the keystore's password.")
    private Path tlsKeystorePasswordFile;

    @Option(names = "--header-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Time a client gets to send request headers (default ${DEFAULT-VALUE}).")
    private int headerSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Close connections silent this long (default ${DEFAULT-VALUE}).")
    private int idleSeconds;

    @Option(names = "--python", paramLabel = "PATH",
            description = "Python interpreter for model.joblib/.pkl models (default python3 on the PATH; a model's"
                    + " config parameter 'python' wins).")
    private String python;

    @Option(names = "--python-install-requirements",
            description = "pip install each Python model's requirements.txt into a directory of its own before loading"
                    + " it (default: only check them against the installed packages).")
    private boolean pythonInstallRequirements;

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
    }

    /**
     * Validates the parsed options into the server's settings, reading token files.
     *
     * @return the settings
     * @throws ParameterException naming the flag when a value breaks a rule or a file cannot be read
     */
    public ServerConfig config() {
        try {
            SecurityConfig security = new SecurityConfig(authTokens(), probes == Access.PROTECTED, metrics == Access.PROTECTED, rateLimit,
                    rateLimitBurst, tlsCert, tlsKey, tlsKeystore, tlsKeystorePasswordFile,
                    Duration.ofSeconds(headerSeconds), Duration.ofSeconds(idleSeconds));
            return new ServerConfig(host, port, grpcPort, modelRepository, modelName, defaultModel, maxBodyBytes,
                    logFormat.toLowerCase(Locale.ROOT), ioThreads, workerThreads, Duration.ofSeconds(drainSeconds),
                    overloadStatus, controlMode.toLowerCase(Locale.ROOT), Duration.ofSeconds(pollSeconds),
                    names(requiredModels), adminToken(), security);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
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
        if (python != null && !python.isBlank()) {
            System.setProperty(PythonSettings.PYTHON_PROPERTY, python);
        }
        if (pythonInstallRequirements) {
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
