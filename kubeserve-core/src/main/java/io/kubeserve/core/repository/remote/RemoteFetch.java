package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One sync of a remote model store into a local directory, as a Kubernetes init container runs it
 * before the server starts. A second fetch into the same directory downloads only what changed; files
 * appear only complete (see {@link CachingModelRepository}). The command line over this is the
 * server's {@code fetch} command.
 *
 * <p>Instances hold only their settings and are safe to share between threads; two fetches into the
 * same directory at the same time are not supported.
 */
public final class RemoteFetch {

    /** Sync interval handed to the cache; one fetch syncs once, so any value above its run time works. */
    private static final String ONE_SYNC_SECONDS = "3600";

    private final RemoteSettings settings;

    /**
     * A fetcher with the given store settings.
     *
     * @param settings S3 endpoint, region, credentials and verification switches; not null
     */
    public RemoteFetch(RemoteSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * What a fetch did.
     *
     * @param sync      files fetched, unchanged and removed, bytes and wall time
     * @param directory the absolute directory the models are in now
     * @param models    the model names found there, sorted as the repository lists them
     */
    public record Result(SyncResult sync, Path directory, List<String> models) {

        /**
         * Copies {@code models}.
         *
         * @param sync      files fetched, unchanged and removed, bytes and wall time
         * @param directory the absolute directory the models are in now
         * @param models    the model names found there
         */
        public Result {
            models = List.copyOf(models);
        }
    }

    /**
     * Syncs {@code uri} into {@code destination} once, creating the directory when missing.
     *
     * @param uri         {@code s3://bucket/prefix}, or {@code http(s)://host/path} to a model file or a
     *                    {@code .zip} / {@code .tar.gz} / {@code .tgz} archive
     * @param destination the local directory to fill
     * @param modelName   name when the URI holds a single model; null derives it from the last segment
     * @return what was fetched and which models the directory holds now
     * @throws IllegalArgumentException when {@code uri} is not remote (a local path or {@code file://})
     * @throws KubeServeException       when the store cannot be read or a download fails its checks;
     *                                  the directory then keeps its previous complete content
     * @throws UncheckedIOException     when the local directory cannot be written or closed
     */
    public Result fetch(String uri, Path destination, String modelName) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(destination, "destination");
        String scheme = ModelRepositories.scheme(uri);
        if (scheme == null || scheme.equals("file")) {
            throw new IllegalArgumentException("the URI must be remote (s3:// or http(s)://), got '" + uri + "'");
        }
        ModelRepository repository = ModelRepositories.open(uri, destination, modelName,
                settings.with("KUBESERVE_MODEL_SYNC_INTERVAL", ONE_SYNC_SECONDS));
        if (!(repository instanceof CachingModelRepository cache)) {
            throw new IllegalStateException("a remote URI opened as " + repository.describe());
        }
        try (cache) {
            SyncResult result = cache.sync();
            return new Result(result, cache.cacheDir(), cache.modelNames());
        } catch (IOException e) {
            throw new UncheckedIOException("closing the cache in " + destination + " failed", e);
        }
    }
}
