package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelRepository;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code kubeserve-server.jar fetch --uri s3://bucket/prefix --dest /models}: one sync of a remote
 * store into a directory, as the Kubernetes init container runs it. A second run into the same
 * directory fetches only what changed.
 */
public final class FetchCommand {

    static final String USAGE = """
            Usage: java -jar kubeserve-server.jar fetch --uri URI --dest DIR [--model-name NAME]

            Copies a model repository from a remote store into DIR, checking sizes and checksums;
            files appear only complete. Run again, it fetches only what changed.

              --uri URI          s3://bucket/prefix, or http(s)://host/path to a model file or a
                                 .zip / .tar.gz archive
              --dest DIR         local directory to fill (created if missing)
              --model-name NAME  name when the URI holds a single model (default: its last segment)
              --help             this text

            S3 settings (environment): KUBESERVE_S3_ENDPOINT, AWS_REGION, KUBESERVE_S3_PATH_STYLE,
            AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (else the AWS default credential chain),
            KUBESERVE_S3_ANONYMOUS, KUBESERVE_S3_VERIFY_MD5.
            Exit status: 0 done, 1 the fetch failed, 2 bad usage.
            """;

    private final RemoteSettings settings;

    public FetchCommand(RemoteSettings settings) {
        this.settings = settings;
    }

    /** Runs with settings from the environment. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return new FetchCommand(RemoteSettings.fromEnvironment()).execute(args, out, err);
    }

    /** @return the exit status */
    public int execute(String[] args, PrintStream out, PrintStream err) {
        String uri = null;
        String dest = null;
        String name = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                out.print(USAGE);
                return 0;
            }
            if (!arg.equals("--uri") && !arg.equals("--dest") && !arg.equals("--model-name")) {
                return usage(err, "unknown argument '" + arg + "'");
            }
            if (i + 1 >= args.length) {
                return usage(err, arg + " needs a value");
            }
            String value = args[++i];
            switch (arg) {
                case "--uri" -> uri = value;
                case "--dest" -> dest = value;
                default -> name = value;
            }
        }
        if (uri == null) {
            return usage(err, "--uri is required");
        }
        if (dest == null) {
            return usage(err, "--dest is required");
        }
        String scheme = ModelRepositories.scheme(uri);
        if (scheme == null || scheme.equals("file")) {
            return usage(err, "--uri must be remote (s3:// or http(s)://), got '" + uri + "'");
        }
        try {
            ModelRepository repository = ModelRepositories.open(uri, Path.of(dest), name,
                    settings.with("KUBESERVE_MODEL_SYNC_INTERVAL", "3600"));
            try (CachingModelRepository cache = (CachingModelRepository) repository) {
                SyncResult result = cache.sync();
                out.printf("fetched %d files (%d bytes) from %s into %s in %d ms; %d unchanged, %d removed%n",
                        result.fetched(), result.bytes(), uri, cache.cacheDir(), result.millis(),
                        result.unchanged(), result.removed());
                out.println("models: " + String.join(", ", cache.modelNames()));
            }
            return 0;
        } catch (KubeServeException e) {
            err.println("kubeserve fetch: " + e.getMessage());
            return 1;
        } catch (java.io.IOException | RuntimeException e) {
            err.println("kubeserve fetch: " + e);
            return 1;
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("kubeserve fetch: " + problem);
        err.println("Run 'fetch --help' for the options.");
        return 2;
    }

}
