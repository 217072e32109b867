package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.kubeserve.core.spi.ModelRepository;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a model repository from a location string: a local path, {@code file://}, {@code s3://} or
 * {@code http(s)://}. A remote location is mirrored into a cache directory by a
 * {@link CachingModelRepository}; a local one is served in place by a {@link FileSystemModelRepository}.
 */
public final class ModelRepositories {

    private ModelRepositories() {
    }

    /**
     * Opens a repository, with settings from the environment ({@link RemoteSettings#fromEnvironment()}).
     *
     * @param location        {@code /models}, {@code s3://bucket/prefix}, {@code https://host/iris.zip}
     * @param cacheDir        where a remote location is mirrored; ignored for a local path
     * @param singleModelName name for a location holding one model; null derives it
     * @return the repository, owned by the caller; a remote one is {@link java.io.Closeable} and
     *         closing it releases its store's client
     * @throws KubeServeException {@code INVALID_INPUT} for an empty location, an unknown scheme, an
     *         invalid URI or model name, a remote location without {@code cacheDir}, or a malformed
     *         setting; {@code MODEL_NOT_FOUND} for a local path that does not exist
     */
    public static ModelRepository open(String location, Path cacheDir, String singleModelName) {
        return open(location, cacheDir, singleModelName, RemoteSettings.fromEnvironment());
    }

    /**
     * Opens a repository with the given settings rather than the environment's. Nothing is
     * downloaded yet: a remote repository syncs on its first listing.
     *
     * @param location        {@code /models}, {@code s3://bucket/prefix}, {@code https://host/iris.zip}
     * @param cacheDir        where a remote location is mirrored (created when first synced); ignored
     *                        for a local path
     * @param singleModelName name for a location holding one model; null derives it
     * @param settings        S3 endpoint, credentials, sync interval; see {@link RemoteSettings}
     * @return the repository, owned by the caller, as for {@link #open(String, Path, String)}
     * @throws KubeServeException as for {@link #open(String, Path, String)}
     */
    public static ModelRepository open(String location, Path cacheDir, String singleModelName,
                                       RemoteSettings settings) {
        if (location == null || location.isBlank()) {
            throw KubeServeException.invalidInput("model repository location is empty");
        }
        String scheme = scheme(location);
        if (scheme == null) {
            return FileSystemModelRepository.open(Path.of(location), singleModelName);
        }
        if (scheme.equals("file")) {
            return FileSystemModelRepository.open(Path.of(uri(location)), singleModelName);
        }
        if (!scheme.equals("s3") && !scheme.equals("http") && !scheme.equals("https")) {
            throw KubeServeException.invalidInput("model repository '" + location + "': unknown scheme '" + scheme
                    + "://'; use a local path, s3://bucket/prefix or http(s)://host/path");
        }
        if (cacheDir == null) {
            throw KubeServeException.invalidInput("model repository '" + location
                    + "' is remote and needs a cache directory");
        }
        Path cache = cacheDir.toAbsolutePath().normalize();
        ModelStore store = scheme.equals("s3") ? S3ModelStore.create(uri(location), settings)
                : new HttpModelStore(uri(location), cache.resolve(CacheSync.META_DIR).resolve("http"));
        return new CachingModelRepository(store, cache, singleModelName, settings.syncInterval());
    }

    /** The lower-case scheme of {@code scheme://...}, or null for a plain path. */
    static String scheme(String location) {
        int separator = location.indexOf("://");
        if (separator <= 0 || !location.substring(0, separator).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            return null;
        }
        return location.substring(0, separator).toLowerCase(Locale.ROOT);
    }

    private static URI uri(String location) {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            throw KubeServeException.invalidInput("model repository '" + location + "' is not a valid URI: "
                    + e.getReason());
        }
    }
}
