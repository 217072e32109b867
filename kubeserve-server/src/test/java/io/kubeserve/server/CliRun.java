package io.kubeserve.server;

import io.kubeserve.core.repository.remote.RemoteSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of the jar's command line in-process, with the given environment, capturing what it prints
 * and the config {@code serve} would start (nothing is started).
 *
 * @param status           the exit status
 * @param out              standard output
 * @param err              standard error
 * @param config           what serve handed to its launcher; null when it did not get that far
 * @param unknownVariables the variables serve would warn about; null when it did not get that far
 */
public record CliRun(int status, String out, String err, ServerConfig config, List<String> unknownVariables) {

    /** The server's variable outside the options, as {@code Main} passes it. */
    public static final String CACHE_DIR_VARIABLE = "KUBESERVE_MODEL_CACHE_DIR";

    /**
     * Runs a command line; remote store settings come from the same environment.
     *
     * @param environment the process environment to pretend
     * @param args        the jar's arguments
     * @return what happened
     */
    public static CliRun run(Map<String, String> environment, String... args) {
        return run(environment, 0, args);
    }

    /**
     * Runs a command line whose launcher answers {@code launchStatus}.
     *
     * @param environment  the process environment to pretend
     * @param launchStatus what the launcher returns
     * @param args         the jar's arguments
     * @return what happened
     */
    public static CliRun run(Map<String, String> environment, int launchStatus, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicReference<ServerConfig> config = new AtomicReference<>();
        AtomicReference<List<String>> unknown = new AtomicReference<>();
        Cli cli = new Cli(environment, RemoteSettings.of(environment), Set.of(CACHE_DIR_VARIABLE), (c, u) -> {
            config.set(c);
            unknown.set(u);
            return launchStatus;
        });
        int status = cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                config.get(), unknown.get());
    }

    /**
     * The config a serve command line binds, failing the test with standard error when it is refused.
     *
     * @param environment the process environment to pretend
     * @param args        the jar's arguments
     * @return the config
     */
    public static ServerConfig serve(Map<String, String> environment, String... args) {
        CliRun run = run(environment, args);
        if (run.status() != 0 || run.config() == null) {
            throw new AssertionError("status " + run.status() + ": " + run.err());
        }
        return run.config();
    }

    /**
     * Standard error of a command line that must be refused as bad usage (status 2, no stack trace).
     *
     * @param environment the process environment to pretend
     * @param args        the jar's arguments
     * @return standard error
     */
    public static String usageError(Map<String, String> environment, String... args) {
        CliRun run = run(environment, args);
        if (run.status() != 2 || run.config() != null || run.err().contains("\tat ")
                || run.err().contains("Exception")) {
            throw new AssertionError("expected a usage error, got status " + run.status() + ": " + run.err());
        }
        return run.err();
    }
}
