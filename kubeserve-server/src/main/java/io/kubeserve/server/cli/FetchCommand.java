package io.kubeserve.server.cli;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.remote.RemoteFetch;
import io.kubeserve.core.repository.remote.RemoteSettings;
import io.kubeserve.core.repository.remote.SyncResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fetch --uri s3://bucket/prefix --dest /models}: one sync of a remote store into a directory
 * through {@link RemoteFetch}, as the Kubernetes init container runs it. Not thread-safe: one instance
 * parses one command line.
 */
@Command(name = "fetch", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        addMethodSubcommands = false,
        usageHelpWidth = 100, header = "Copies models from a remote store into a directory.",
        description = {"Copies a model repository from a remote store into DIR, checking sizes and checksums; "
                + "files appear only complete. Run again, it fetches only what changed.", ""},
        footer = {"", "S3 settings (environment): KUBESERVE_S3_ENDPOINT, AWS_REGION, KUBESERVE_S3_PATH_STYLE, "
                + "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (else the AWS default credential chain), "
                + "KUBESERVE_S3_ANONYMOUS, KUBESERVE_S3_VERIFY_MD5.",
                "Exit status: 0 done, 1 the fetch failed, 2 bad usage."})
public final class FetchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    private final RemoteSettings settings;

    @Option(names = "--uri", paramLabel = "URI", required = true,
            description = "s3://bucket/prefix, or http(s)://host/path to a model file or a .zip / .tar.gz archive.")
    private String uri;

    @Option(names = "--dest", paramLabel = "DIR", required = true,
            description = "Local directory to fill (created if missing).")
    private Path destination;

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "Name when the URI holds a single model (default: its last segment).")
    private String modelName;

    /**
     * A command fetching with the given store settings.
     *
     * @param settings S3 endpoint, credentials and switches, e.g. {@link RemoteSettings#fromEnvironment()}
     */
    public FetchCommand(RemoteSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Fetches and prints what was fetched and which models the directory holds.
     *
     * @return 0 when done, 1 when the store could not be read or the directory written
     * @throws ParameterException when the URI is not remote (exit status 2)
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RemoteFetch.Result result;
        try {
            result = new RemoteFetch(settings).fetch(uri, destination, modelName);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--uri: " + e.getMessage(), e);
        } catch (KubeServeException e) {
            err.println("kubeserve fetch: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("kubeserve fetch: " + e);
            return 1;
        }
        SyncResult sync = result.sync();
        out.printf("fetched %d files (%d bytes) from %s into %s in %d ms; %d unchanged, %d removed%n",
                sync.fetched(), sync.bytes(), uri, result.directory(), sync.millis(), sync.unchanged(),
                sync.removed());
        out.println("models: " + String.join(", ", result.models()));
        return 0;
    }
}
