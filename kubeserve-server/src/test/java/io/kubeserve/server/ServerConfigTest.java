package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The serve command line: flags, their KUBESERVE_* variables, defaults, and how mistakes are reported. */
class ServerConfigTest {

    /** Every serve flag and its variable: names users and manifests rely on. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("--model-repository", "KUBESERVE_MODEL_REPOSITORY"), Map.entry("--host", "KUBESERVE_HOST"),
            Map.entry("--port", "KUBESERVE_PORT"), Map.entry("--model-name", "KUBESERVE_MODEL_NAME"),
            Map.entry("--default-model", "KUBESERVE_DEFAULT_MODEL"),
            Map.entry("--model-control-mode", "KUBESERVE_MODEL_CONTROL_MODE"),
            Map.entry("--repository-poll-seconds", "KUBESERVE_REPOSITORY_POLL_SECONDS"),
            Map.entry("--require-models", "KUBESERVE_REQUIRE_MODELS"),
            Map.entry("--admin-token-file", "KUBESERVE_ADMIN_TOKEN_FILE"),
            Map.entry("--max-body-size", "KUBESERVE_MAX_BODY_SIZE"),
            Map.entry("--overload-status", "KUBESERVE_OVERLOAD_STATUS"), Map.entry("--log-format", "KUBESERVE_LOG_FORMAT"),
            Map.entry("--io-threads", "KUBESERVE_IO_THREADS"), Map.entry("--worker-threads", "KUBESERVE_WORKER_THREADS"),
            Map.entry("--drain-timeout", "KUBESERVE_DRAIN_TIMEOUT"),
            Map.entry("--grpc-port", "KUBESERVE_GRPC_PORT"),
            Map.entry("--grpc-max-connection-age", "KUBESERVE_GRPC_MAX_CONNECTION_AGE"),
            Map.entry("--grpc-keepalive-time", "KUBESERVE_GRPC_KEEPALIVE_TIME"),
            Map.entry("--grpc-keepalive-timeout", "KUBESERVE_GRPC_KEEPALIVE_TIMEOUT"),
            Map.entry("--grpc-permit-keepalive-time", "KUBESERVE_GRPC_PERMIT_KEEPALIVE_TIME"),
            Map.entry("--grpc-max-concurrent-streams", "KUBESERVE_GRPC_MAX_CONCURRENT_STREAMS"),
            Map.entry("--grpc-max-rst-streams", "KUBESERVE_GRPC_MAX_RST_STREAMS"),
            Map.entry("--grpc-rst-stream-window", "KUBESERVE_GRPC_RST_STREAM_WINDOW"),
            Map.entry("--auth-tokens-file", "KUBESERVE_AUTH_TOKENS_FILE"),
            Map.entry("--auth-probes", "KUBESERVE_AUTH_PROBES"), Map.entry("--auth-metrics", "KUBESERVE_AUTH_METRICS"),
            Map.entry("--rate-limit", "KUBESERVE_RATE_LIMIT"), Map.entry("--rate-limit-burst", "KUBESERVE_RATE_LIMIT_BURST"),
            Map.entry("--tls-cert", "KUBESERVE_TLS_CERT"), Map.entry("--tls-key", "KUBESERVE_TLS_KEY"),
            Map.entry("--tls-keystore", "KUBESERVE_TLS_KEYSTORE"),
            Map.entry("--tls-keystore-password-file", "KUBESERVE_TLS_KEYSTORE_PASSWORD_FILE"),
            Map.entry("--header-timeout", "KUBESERVE_HEADER_TIMEOUT"), Map.entry("--idle-timeout", "KUBESERVE_IDLE_TIMEOUT"),
            Map.entry("--python", "KUBESERVE_PYTHON"));

    @Test
    void flagsWinOverEnvironmentAndDefaultsFillTheRest() {
        ServerConfig config = CliRun.serve(Map.of("KUBESERVE_PORT", "7000", "KUBESERVE_DEFAULT_MODEL", "iris",
                "KUBESERVE_MAX_BODY_SIZE", "512k"), "--model-repository", "/models", "--port=9000");
        assertThat(config.modelRepository()).isEqualTo("/models");
        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.defaultModel()).isEqualTo("iris");
        assertThat(config.maxBodyBytes()).isEqualTo(512 * 1024);
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.logFormat()).isEqualTo("text");
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(20));
        // gRPC's own connection defaults: no age, a ping after 2 h of silence, client pings every 5 min with calls;
        // then the stream limits: RFC 9113's recommended least concurrency, 1,000 resets in 10 s
        assertThat(config.grpcConnections()).isEqualTo(new GrpcConnectionConfig(Duration.ZERO, Duration.ofHours(2),
                Duration.ofSeconds(20), Duration.ofMinutes(5), false, 100, 1000, Duration.ofSeconds(10)))
                .isEqualTo(GrpcConnectionConfig.defaults());
        assertThat(config.grpcConnections().describe()).isEqualTo("connections kept as long as clients keep them, pinged"
                + " after 7200 s of silence (answer within 20 s), client pings accepted 300 s apart with calls open,"
                + " at most 100 calls open at once per connection, sent away after more than 1000 resets in 10 s");
        assertThat(CliRun.serve(Map.of(), "--model-repository", "/m", "--grpc-max-connection-age", "60",
                "--grpc-keepalive-time", "30", "--grpc-keepalive-timeout", "5", "--grpc-permit-keepalive-time", "10",
                "--grpc-permit-keepalive-without-calls", "--grpc-max-concurrent-streams", "8",
                "--grpc-max-rst-streams", "50", "--grpc-rst-stream-window", "30").grpcConnections())
                .isEqualTo(new GrpcConnectionConfig(Duration.ofSeconds(60), Duration.ofSeconds(30),
                        Duration.ofSeconds(5), Duration.ofSeconds(10), true, 8, 50, Duration.ofSeconds(30)));
        assertThat(new GrpcConnectionConfig(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(5),
                Duration.ofSeconds(10), true, 8, 0, Duration.ofSeconds(30)).describe()).isEqualTo("connections renewed"
                + " after 60 s (±10 %), pinged after 30 s of silence (answer within 5 s), client pings accepted 10 s apart"
                + " with or without calls, at most 8 calls open at once per connection, resets not limited");
        // no request waits on a worker (it waits in its model's queue): one per core, two on one core
        assertThat(config.effectiveWorkerThreads()).isEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
        assertThat(config.effectiveWorkerThreads()).isGreaterThanOrEqualTo(2);
        assertThat(CliRun.serve(Map.of(), "--model-repository", "/models", "--worker-threads", "3")
                .effectiveWorkerThreads()).isEqualTo(3);
        assertThat(CliRun.serve(Map.of("KUBESERVE_WORKER_THREADS", "5"), "--model-repository", "/models")
                .effectiveWorkerThreads()).isEqualTo(5);
    }

    @Test
    void withoutFlagsEverySettingComesFromItsVariable() {
        ServerConfig config = CliRun.serve(Map.ofEntries(Map.entry("KUBESERVE_MODEL_REPOSITORY", "s3://bucket/models"),
                Map.entry("KUBESERVE_HOST", "127.0.0.1"), Map.entry("KUBESERVE_PORT", " 9090 "),
                Map.entry("KUBESERVE_MODEL_NAME", "flowers"), Map.entry("KUBESERVE_MODEL_CONTROL_MODE", "POLL"),
                Map.entry("KUBESERVE_REPOSITORY_POLL_SECONDS", "3"), Map.entry("KUBESERVE_REQUIRE_MODELS", "iris, mlp,"),
                Map.entry("KUBESERVE_MAX_BODY_SIZE", "2M"), Map.entry("KUBESERVE_OVERLOAD_STATUS", "429"),
                Map.entry("KUBESERVE_LOG_FORMAT", "JSON"), Map.entry("KUBESERVE_IO_THREADS", "3"),
                Map.entry("KUBESERVE_DRAIN_TIMEOUT", "7"), Map.entry("KUBESERVE_ADMIN_TOKEN", " admin-secret-0123456789 "),
                Map.entry("KUBESERVE_GRPC_MAX_CONNECTION_AGE", "300"), Map.entry("KUBESERVE_GRPC_KEEPALIVE_TIME", "45"),
                Map.entry("KUBESERVE_GRPC_KEEPALIVE_TIMEOUT", "3"), Map.entry("KUBESERVE_GRPC_PERMIT_KEEPALIVE_TIME", "0"),
                Map.entry("KUBESERVE_GRPC_PERMIT_KEEPALIVE_WITHOUT_CALLS", "true"),
                Map.entry("KUBESERVE_GRPC_MAX_CONCURRENT_STREAMS", "16"), Map.entry("KUBESERVE_GRPC_MAX_RST_STREAMS", "0"),
                Map.entry("KUBESERVE_GRPC_RST_STREAM_WINDOW", "60")));
        assertThat(config.modelRepository()).isEqualTo("s3://bucket/models");
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.modelName()).isEqualTo("flowers");
        assertThat(config.controlMode()).isEqualTo("poll");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.requiredModels()).containsExactlyInAnyOrder("iris", "mlp");
        assertThat(config.maxBodyBytes()).isEqualTo(2L * 1024 * 1024);
        assertThat(config.overloadStatus()).isEqualTo(429);
        assertThat(config.logFormat()).isEqualTo("json");
        assertThat(config.effectiveIoThreads()).isEqualTo(3);
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.grpcConnections()).isEqualTo(new GrpcConnectionConfig(Duration.ofMinutes(5),
                Duration.ofSeconds(45), Duration.ofSeconds(3), Duration.ZERO, true, 16, 0, Duration.ofSeconds(60)));
        assertThat(config.grpcConnections().describe()).contains("client pings accepted at any rate with or without calls");
        assertThat(new GrpcConnectionConfig(Duration.ZERO, Duration.ofHours(2), Duration.ofSeconds(20), Duration.ZERO,
                false, 1, 0, Duration.ofSeconds(10)).describe()).contains("at most 1 call open at once per connection");
        assertThat(config.adminToken()).isEqualTo("admin-secret-0123456789");
        // a token in poll mode leaves the repository API off; explicit mode turns it on
        assertThat(config.repositoryApiOn()).isFalse();
        assertThat(config.toBuilder().controlMode("explicit").build().repositoryApiOn()).isTrue();
        assertThat(config.toBuilder().controlMode("explicit").adminToken(null).build().repositoryApiOn()).isFalse();
    }

    @Test
    void aBlankVariableCountsAsUnsetAndABadOneIsIgnoredWhenTheFlagIsGiven() {
        ServerConfig config = CliRun.serve(Map.of("KUBESERVE_PORT", "  ", "KUBESERVE_DRAIN_TIMEOUT", "soon"),
                "--model-repository", "/m", "--drain-timeout", "5");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theExplicitServeCommandAndTheDefaultBindTheSame() {
        String[] flags = {"--model-repository", "/m", "--port", "0", "--require-models", "iris"};
        ServerConfig implicit = CliRun.serve(Map.of(), flags);
        String[] explicit = new String[flags.length + 1];
        explicit[0] = "serve";
        System.arraycopy(flags, 0, explicit, 1, flags.length);
        assertThat(CliRun.serve(Map.of(), explicit)).isEqualTo(implicit);
    }

    @Test
    void mistakesNameTheFlagAndExitWithStatusTwo() {
        assertThat(CliRun.usageError(Map.of())).contains("--model-repository (or KUBESERVE_MODEL_REPOSITORY) is required");
        assertThat(CliRun.usageError(Map.of(), "--model-repository", "m", "--port", "http"))
                .contains("Invalid value for option '--port': 'http' is not an int");
        // flag, value, the message's words
        String[][] rules = {
            {"--port", "70000", "--port must be between 0 and 65535"},
            {"--log-format", "xml", "--log-format must be text or json"},
            {"--model-control-mode", "auto", "--model-control-mode must be one of"},
            {"--drain-timeout", "-1", "--drain-timeout must be >= 0"},
            {"--grpc-max-connection-age", "-5",
                "--grpc-max-connection-age must be 0 (no limit) or at least 1 second, got -5 s"},
            {"--grpc-keepalive-time", "5", "--grpc-keepalive-time must be at least 10 seconds, got 5 s"},
            {"--grpc-keepalive-timeout", "0", "--grpc-keepalive-timeout must be at least 1 second, got 0 s"},
            {"--grpc-permit-keepalive-time", "-1",
                "--grpc-permit-keepalive-time must be between 0 and 7200 seconds, got -1 s"},
            {"--grpc-permit-keepalive-time", "7201",
                "--grpc-permit-keepalive-time must be between 0 and 7200 seconds, got 7201 s"},
            {"--grpc-max-concurrent-streams", "0", "--grpc-max-concurrent-streams must be at least 1, got 0"},
            {"--grpc-max-rst-streams", "-1", "--grpc-max-rst-streams must be 0 (no limit) or more, got -1"},
            {"--grpc-rst-stream-window", "0", "--grpc-rst-stream-window must be between 1 and 3600 seconds, got 0 s"},
            {"--grpc-rst-stream-window", "3601",
                "--grpc-rst-stream-window must be between 1 and 3600 seconds, got 3601 s"},
        };
        for (String[] rule : rules) {
            assertThat(CliRun.usageError(Map.of(), "--model-repository", "m", rule[0], rule[1]))
                    .as(rule[0] + " " + rule[1]).contains(rule[2]);
        }
        assertThat(CliRun.usageError(Map.of(), "--model-repository", "m", "--max-body-size", "lots"))
                .contains("'--max-body-size'", "must be a size like 16m or 512k, got 'lots'");
        assertThatThrownBy(() -> GrpcConnectionConfig.defaults().withMaxConnectionAge(Duration.ofMillis(500)))
                .hasMessage("--grpc-max-connection-age must be 0 (no limit) or at least 1 second, got 500 ms");
        assertThat(CliRun.usageError(Map.of(), "--modle-repository", "m"))
                .contains("Unknown option", "'--modle-repository'", "Possible solutions: --model-repository");
        assertThat(CliRun.usageError(Map.of(), "--model-repository"))
                .contains("Missing required parameter for option '--model-repository'");
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheOptionAndTheVariable() {
        String err = CliRun.usageError(Map.of("KUBESERVE_PORT", "eighty"), "--model-repository", "m");
        assertThat(err).contains("Invalid value for option '--port': 'eighty' is not an int",
                "environment variable KUBESERVE_PORT", "serve --help");
        assertThat(CliRun.usageError(Map.of("KUBESERVE_OVERLOAD_STATUS", "500"), "--model-repository", "m"))
                .contains("--overload-status must be 503 or 429, got 500");
    }

    @Test
    void unknownVariablesAreReportedForAWarning() {
        CliRun run = CliRun.run(Map.of("KUBESERVE_PROT", "1", "KUBESERVE_PORT", "1", "HOME", "/",
                "KUBESERVE_ADMIN_TOKEN", "admin-secret-0123456789", "KUBESERVE_S3_ENDPOINT", "http://minio:9000",
                KubeServeServer.CACHE_DIR_VARIABLE, "/cache", "KUBESERVE_AUTH_TOKENS_FILES", "/t"),
                "--model-repository", "/m");
        assertThat(run.status()).isZero();
        assertThat(run.unknownVariables()).containsExactly("KUBESERVE_AUTH_TOKENS_FILES", "KUBESERVE_PROT");
    }

    @Test
    void pythonFlagsReachThePythonEngine() {
        String property = io.kubeserve.engine.python.PythonSettings.PYTHON_PROPERTY;
        String install = io.kubeserve.engine.python.PythonSettings.INSTALL_PROPERTY;
        try {
            CliRun run = CliRun.run(Map.of("KUBESERVE_PYTHON", "/opt/venv/bin/python"), "serve", "--model-repository",
                    "/models", "--python-install-requirements");
            assertThat(run.status()).isZero();
            assertThat(io.kubeserve.engine.python.PythonSettings.fromSystemProperties())
                    .isEqualTo(new io.kubeserve.engine.python.PythonSettings("/opt/venv/bin/python", true));
        } finally {
            System.clearProperty(property);
            System.clearProperty(install);
        }
        assertThat(io.kubeserve.engine.python.PythonSettings.fromSystemProperties())
                .isEqualTo(new io.kubeserve.engine.python.PythonSettings("python3", false));
    }

    @Test
    void serveHelpListsEveryFlagWithItsVariable() {
        CliRun run = CliRun.run(Map.of(), "serve", "--help");
        assertThat(run.status()).isZero();
        assertThat(run.err()).isEmpty();
        FLAGS.forEach((flag, variable) -> {
            int at = run.out().indexOf(flag + "=");
            assertThat(at).as(flag).isNotNegative();
            // the variable is the next one listed after the flag
            assertThat(run.out().indexOf("env KUBESERVE_", at)).as(flag).isEqualTo(run.out().indexOf("env " + variable, at));
        });
        assertThat(run.out()).contains("--model-repository=DIR", "KUBESERVE_ADMIN_TOKEN", "KUBESERVE_AUTH_TOKENS=a,b");
        assertThat(run.config()).isNull();
    }

    @Test
    void rootHelpListsTheCommandsAndVersionPrintsTheVersion() {
        CliRun help = CliRun.run(Map.of(), "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("serve", "manifests", "fetch", "Without a command the jar serves");
        CliRun version = CliRun.run(Map.of(), "--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).contains("KubeServe " + Main.version());
        assertThat(CliRun.run(Map.of(), "serve", "--version").out()).isEqualTo(version.out());
    }

    @Test
    void theLaunchersStatusIsTheExitStatus() {
        CliRun failed = CliRun.run(Map.of(), 1, "--model-repository", "/m");
        assertThat(failed.status()).isEqualTo(1);
        assertThat(failed.config().modelRepository()).isEqualTo("/m");
    }

    @Test
    void theRecordValidatesWhateverBuildsIt() {
        ServerConfig defaults = ServerConfig.defaults(Path.of("/models"));
        assertThat(defaults.port()).isEqualTo(8080);
        assertThat(defaults.requiredModels()).isEmpty();
        assertThatThrownBy(() -> defaults.withPort(-1)).hasMessageContaining("--port must be between 0 and 65535");
        assertThatThrownBy(() -> defaults.withMaxBodyBytes(1000)).hasMessageContaining("at least 1k");
        assertThatThrownBy(() -> defaults.withOverloadStatus(500)).hasMessageContaining("503 or 429");
        assertThatThrownBy(() -> defaults.toBuilder().adminToken("short").build()).hasMessageContaining("16 characters");
        assertThatThrownBy(() -> defaults.toBuilder().pollInterval(Duration.ZERO).build())
                .hasMessageContaining("--repository-poll-seconds");
        Set<String> required = new java.util.HashSet<>(List.of("iris"));
        ServerConfig copy = defaults.toBuilder().requiredModels(required).build();
        required.add("mlp");
        assertThat(copy.requiredModels()).containsExactly("iris");
    }
}
