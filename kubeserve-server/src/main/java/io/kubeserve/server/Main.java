package io.kubeserve.server;

import io.kubeserve.core.repository.remote.RemoteSettings;
import java.util.List;
import java.util.Set;

/**
 * {@code java -jar kubeserve-server.jar [serve|manifests|fetch] ...}: runs the command line
 * ({@link Cli}); {@code serve}, the default, starts the server, which then runs until SIGTERM.
 */
public final class Main {

    /** Set once the server is up: then {@link #main} returns and the server's threads keep the JVM alive. */
    private static volatile boolean serving;

    private Main() {
    }

    /**
     * Runs the command line against the process environment and exits with its status: 0 done (or,
     * for {@code serve}, the server keeps running), 1 failed, 2 bad usage.
     *
     * @param args the jar's arguments
     */
    public static void main(String[] args) {
        // picocli registers, by reflection, a converter for each java.time and java.sql type it can
        // load; no option has such a type (UnusedConvertersTest checks), and on a cold JVM those take start-up time
        defaultProperty(Cli.CONVERTER_EXCLUDES, Cli.UNUSED_CONVERTERS);
        // and no command is a Groovy script: picocli need not search the jar for Groovy's closure class
        defaultProperty(Cli.DISABLE_CLOSURES, "true");
        Cli cli = new Cli(System.getenv(), RemoteSettings.fromEnvironment(),
                Set.of(KubeServeServer.CACHE_DIR_VARIABLE), Main::launch);
        int status = cli.run(args, System.out, System.err);
        if (status != 0 || !serving) {
            System.exit(status);
        }
    }

    /** Sets a system property unless the operator set it ({@code -D...}): theirs wins. */
    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Starts the server and has SIGTERM drain it ({@link SignalDrain}, installed first): 0 once it
     * serves (or when the JVM was already shutting down, and it does not start), 1 when it cannot
     * start.
     */
    static int launch(ServerConfig config, List<String> unknownVariables) {
        // before the first logger is created: logback sets itself up once, through LogSetup
        System.setProperty(LogSetup.FORMAT_PROPERTY, config.logFormat());
        // before the server starts, so that a stop asked for while models load also ends with 0
        SignalDrain drain = SignalDrain.install();
        if (drain == null) {
            return 0; // the JVM is already shutting down (a signal came first): its exit status stands
        }
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
        for (String unknown : unknownVariables) {
            log.warn("ignoring environment variable {}: no such setting (see serve --help)", unknown);
        }
        log.info("KubeServe {} starting (Java {}, {} cores)", version(), Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        KubeServeServer server;
        try {
            server = KubeServeServer.start(config);
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage());
            drain.startFailed();
            return 1;
        }
        drain.started(server);
        serving = true;
        return 0;
    }

    /**
     * The server's version.
     *
     * @return the jar manifest's {@code Implementation-Version}, or {@code dev} when run from classes
     */
    public static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
