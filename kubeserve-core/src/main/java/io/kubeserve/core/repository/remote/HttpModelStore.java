package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One model file, or one {@code .zip}/{@code .tar.gz} archive of a repository or a model
 * directory, at a plain {@code http(s)://} URL.
 *
 * <p>A file is listed from a {@code HEAD} (its ETag, else its Last-Modified, tells changes), with
 * {@code <url>.sha256} as its checksum when the server has one. An archive is downloaded with a
 * conditional {@code GET} (304 keeps the copy in the work directory), and its entries are listed
 * with the archive's SHA-256 in their tags, so an unchanged archive fetches nothing.
 */
public final class HttpModelStore implements ModelStore {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI uri;
    private final String fileName;
    private final ArchiveReader.Format format;
    private final Path workDir;
    private final HttpClient client;
    private String archiveEtag;
    private String archiveDigest;

    /**
     * @param uri     the file or archive
     * @param workDir where an archive is kept between syncs; on the cache's filesystem
     */
    public HttpModelStore(URI uri, Path workDir) {
        this.uri = uri;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String last = URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
        if (last.isEmpty()) {
            throw KubeServeException.invalidInput("model URL '" + uri + "' must name a file or an archive");
        }
        this.fileName = SafePaths.checkKey(last);
        this.format = ArchiveReader.formatOf(last);
        this.workDir = workDir;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public synchronized List<StoreObject> list() throws IOException {
        return format == null ? listFile() : listArchive();
    }

    @Override
    public synchronized InputStream open(StoreObject object) throws IOException {
        if (format != null) {
            return ArchiveReader.open(archive(), format, object.key());
        }
        URI target = object.key().equals(fileName) ? uri : URI.create(uri + ".sha256");
        HttpResponse<InputStream> response = send(HttpRequest.newBuilder(target).timeout(TIMEOUT).GET().build());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("GET " + target + " answered " + response.statusCode());
        }
        return response.body();
    }

    @Override
    public String uri() {
        // the query may carry a signature: keep it out of logs and messages
        return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath().replaceAll("[^/]*$", "");
    }

    @Override
    public String defaultModelName() {
        String name = fileName.replaceAll("(?i)\\.(tar\\.gz|tgz|zip|onnx|pt|pth|torchscript)$", "");
        return name.isEmpty() ? "model" : name;
    }

    private List<StoreObject> listFile() throws IOException {
        HttpResponse<Void> head = send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() != 200) {
            throw new IOException("HEAD " + uri() + fileName + " answered " + head.statusCode());
        }
        long size = head.headers().firstValueAsLong("Content-Length").orElse(-1);
        String tag = head.headers().firstValue("ETag")
                .or(() -> head.headers().firstValue("Last-Modified")).orElse(null);
        List<StoreObject> objects = new ArrayList<>(List.of(new StoreObject(fileName, size, tag, null)));
        HttpResponse<Void> sidecar = send(HttpRequest.newBuilder(URI.create(uri + ".sha256")).timeout(TIMEOUT)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        if (sidecar.statusCode() == 200) {
            objects.add(new StoreObject(fileName + ".sha256", -1, null, null));
        }
        return objects;
    }

    private List<StoreObject> listArchive() throws IOException {
        Files.createDirectories(workDir);
        Path archive = archive();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        if (archiveEtag != null && Files.isRegularFile(archive)) {
            request.header("If-None-Match", archiveEtag);
        }
        Path part = Files.createTempFile(workDir, "archive", ".part");
        try {
            HttpResponse<Path> response = send(request.build(),
                    HttpResponse.BodyHandlers.ofFile(part));
            if (response.statusCode() == 200) {
                long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (length >= 0 && Files.size(part) != length) {
                    throw new IOException("GET " + uri() + fileName + ": got " + Files.size(part)
                            + " bytes of " + length);
                }
                Files.move(part, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                archiveEtag = response.headers().firstValue("ETag").orElse(null);
                archiveDigest = null;
            } else if (response.statusCode() != 304) {
                throw new IOException("GET " + uri() + fileName + " answered " + response.statusCode());
            }
        } finally {
            Files.deleteIfExists(part);
        }
        if (archiveDigest == null) {
            archiveDigest = sha256(archive);
        }
        List<StoreObject> objects = new ArrayList<>();
        for (ArchiveReader.Entry entry : ArchiveReader.entries(archive, format)) {
            objects.add(new StoreObject(entry.name(), entry.size(), archiveDigest + ":" + entry.crc(), null));
        }
        return objects;
    }

    private Path archive() {
        return workDir.resolve("archive");
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        return send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling " + uri(), e);
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
