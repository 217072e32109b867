package io.kubeserve.server;

import io.kubeserve.core.repository.remote.RemoteSettings;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

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
        Cli cli = new Cli(System.getenv(), RemoteSettings.fromEnvironment(),
                Set.of(KubeServeServer.CACHE_DIR_VARIABLE), Main::launch);
        int status = cli.run(args, System.out, System.err);
        if (status != 0 || !serving) {
            System.exit(status);
        }
    }

    /** Starts the server and installs the SIGTERM hook; 1 when it cannot start. */
    static int launch(ServerConfig config, List<String> unknownVariables) {
        // before the first logger is created: logback sets itself up once, through LogSetup
        System.setProperty(LogSetup.FORMAT_PROPERTY, config.logFormat());
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
            return 1;
        }
        stopOnSignals(server);
        serving = true;
        return 0;
    }

    /**
     * SIGTERM (Kubernetes, {@code docker stop}) and SIGINT drain the server and then exit with 0: a
     * stop that was asked for is not a failure, so a pod ends {@code Completed}, not {@code Error}
     * with the JVM's default 143. A second signal during the drain is ignored; the drain timeout
     * bounds it. Any other way out of the JVM (SIGHUP, a library calling {@code System.exit}) still
     * drains through the shutdown hook.
     *
     * <p>The drain runs on a thread of its own that is not a daemon: the JVM runs signal handlers
     * on daemon threads, and once the drain has stopped the HTTP threads, a daemon would leave no
     * live thread, so the JVM would end mid-drain, before the models are closed.
     */
    private static void stopOnSignals(KubeServeServer server) {
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kubeserve-shutdown"));
        Runnable drainThenExit = () -> {
            int status = 0;
            try {
                server.close();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Main.class).error("stopping failed", e);
                status = 1;
            }
            System.exit(status);
        };
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (stopping.compareAndSet(false, true)) {
                        org.slf4j.LoggerFactory.getLogger(Main.class).info("SIG{}: draining", name);
                        Thread stopper = new Thread(drainThenExit, "kubeserve-stop");
                        stopper.setDaemon(false);
                        stopper.start();
                    }
                });
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal (-Xrs, or a debugger): the shutdown hook still drains
            }
        }
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
