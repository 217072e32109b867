package io.kubeserve.server;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code java -jar kubeserve-server.jar}: serves models, or with {@code manifests} writes
 * Kubernetes manifests.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("manifests")) {
            System.exit(io.kubeserve.k8s.ManifestsCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("fetch")) {
            System.exit(io.kubeserve.core.repository.remote.FetchCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        int status = serve(args, System.getenv(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Starts the server and installs the SIGTERM hook; returns a non-zero exit status on bad usage. */
    static int serve(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(ServerConfig.usage());
            return 0;
        }
        ServerConfig config;
        try {
            config = ServerConfig.parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("kubeserve: " + e.getMessage());
            err.println("Run with --help for the options.");
            return 2;
        }
        // before the first logger is created: logback reads its configuration once
        if (config.logFormat().equals("json")) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
        for (String unknown : ServerConfig.unknownVariables(env)) {
            log.warn("ignoring environment variable {}: no such setting (see --help)", unknown);
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
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kubeserve-shutdown"));
        return 0;
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
