package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HttpModelStore} against a JDK HTTP server on loopback: a file, a zip, ETags, broken bodies. */
class HttpModelStoreTest {

    /** What the server serves, by path: body and ETag. */
    record Served(byte[] body, String etag) {
    }

    private final Map<String, Served> files = new ConcurrentHashMap<>();
    private final AtomicInteger fullGets = new AtomicInteger();
    private HttpServer server;
    private String base;

    @TempDir
    Path cache;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Served served = files.get(exchange.getRequestURI().getPath());
        if (served == null) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().set("ETag", served.etag());
        if (served.etag().equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
            exchange.sendResponseHeaders(304, -1);
            exchange.close();
            return;
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(served.body().length));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        fullGets.incrementAndGet();
        exchange.sendResponseHeaders(200, served.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(served.body());
        }
        exchange.close();
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = HttpModelStoreTest.class.getResourceAsStream("/models/" + name)) {
            return in.readAllBytes();
        }
    }

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private ModelRepository open(String path) {
        return ModelRepositories.open(base + path, cache, null,
                RemoteSettings.of(Map.of("KUBESERVE_MODEL_SYNC_INTERVAL", "0")));
    }

    @Test
    void servesOneModelFileNamedAfterIt() throws IOException {
        byte[] model = resource("iris_logreg.onnx");
        files.put("/models/iris.onnx", new Served(model, "\"v1\""));
        ModelRepository repository = open("/models/iris.onnx");
        assertThat(repository.modelNames()).containsExactly("iris");
        assertThat(Files.readAllBytes(repository.versions("iris").get(0).modelFile())).isEqualTo(model);

        repository.modelNames();
        repository.modelNames();
        assertThat(fullGets.get()).as("an unchanged ETag downloads nothing").isEqualTo(1);

        byte[] rf = resource("iris_rf.onnx");
        files.put("/models/iris.onnx", new Served(rf, "\"v2\""));
        repository.modelNames();
        assertThat(Files.readAllBytes(repository.versions("iris").get(0).modelFile())).isEqualTo(rf);
    }

    @Test
    void servesARepositoryFromAZipAndRefetchesOnlyWhenItChanges() throws IOException {
        byte[] logreg = resource("iris_logreg.onnx");
        files.put("/repo.zip", new Served(zip(Map.of("iris/1/model.onnx", logreg,
                "iris/labels.txt", "setosa\nversicolor\nvirginica\n".getBytes(StandardCharsets.UTF_8))), "\"a\""));
        ModelRepository repository = open("/repo.zip");
        assertThat(repository.modelNames()).containsExactly("iris");
        assertThat(repository.versions("iris").get(0).config().labels()).hasSize(3);
        repository.modelNames();
        assertThat(fullGets.get()).as("304 Not Modified keeps the archive").isEqualTo(1);

        files.put("/repo.zip", new Served(zip(Map.of("iris/1/model.onnx", logreg,
                "iris/2/model.onnx", resource("iris_rf.onnx"))), "\"b\""));
        assertThat(repository.versions("iris")).extracting(ModelSource::version).containsExactly("2", "1");
        assertThat(cache.resolve("iris/labels.txt")).doesNotExist();
    }

    @Test
    void aZipOfAModelDirectoryIsServedUnderTheArchiveName() throws IOException {
        files.put("/mlp.zip", new Served(zip(Map.of("1/model.onnx", resource("mlp_torch.onnx"))), "\"a\""));
        assertThat(open("/mlp.zip").modelNames()).containsExactly("mlp");
    }

    @Test
    void servesARepositoryFromATarGzWithLongNames() throws IOException {
        byte[] logreg = resource("iris_logreg.onnx");
        String longModel = "m".repeat(110);
        byte[] tar = new ArchiveReaderTest.Tar()
                .entry("./iris/1/model.onnx", '0', logreg)
                .longName("./" + longModel + "/1/model.onnx")
                .entry("short", '0', logreg)
                .bytes();
        files.put("/repo.tgz", new Served(ArchiveReaderTest.gzip(tar), "\"a\""));
        ModelRepository repository = open("/repo.tgz");
        assertThat(repository.modelNames()).containsExactlyInAnyOrder("iris", longModel);
        assertThat(Files.readAllBytes(repository.versions(longModel).get(0).modelFile())).isEqualTo(logreg);
    }

    @Test
    void refusesZipSlip() throws IOException {
        files.put("/evil.zip", new Served(zip(Map.of("iris/1/model.onnx", new byte[] {1},
                "../../escape.txt", new byte[] {2})), "\"a\""));
        ModelRepository repository = open("/evil.zip");
        assertThatThrownBy(repository::modelNames).isInstanceOf(KubeServeException.class)
                .hasMessageContaining("../../escape.txt");
        assertThat(cache.getParent().resolve("escape.txt")).doesNotExist();
        assertThat(cache.resolve("iris")).doesNotExist();
    }

    @Test
    void aConnectionClosedBeforeContentLengthNeverBecomesVisible() throws Exception {
        byte[] v1 = resource("iris_logreg.onnx");
        byte[] v2 = resource("iris_rf.onnx");
        String[] etag = {"\"v1\""};
        boolean[] truncate = {false};
        // a raw socket server: it can promise a Content-Length and then hang up, which the JDK server cannot
        try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                while (!raw.isClosed()) {
                    try (java.net.Socket socket = raw.accept()) {
                        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                                StandardCharsets.ISO_8859_1));
                        String requestLine = reader.readLine();
                        for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) {
                            // headers are not needed
                        }
                        byte[] body = truncate[0] ? v2 : v1;
                        OutputStream out = socket.getOutputStream();
                        if (requestLine == null || !requestLine.contains("/iris.onnx ")) {
                            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                            continue;
                        }
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nETag: " + etag[0]
                                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        if (requestLine != null && requestLine.startsWith("GET")) {
                            out.write(body, 0, truncate[0] ? body.length / 2 : body.length);
                        }
                        out.flush();
                    } catch (IOException e) {
                        // closed by the test
                    }
                }
            });
            serving.setDaemon(true);
            serving.start();
            ModelRepository repository = ModelRepositories.open("http://127.0.0.1:" + raw.getLocalPort() + "/iris.onnx",
                    cache, null, RemoteSettings.of(Map.of("KUBESERVE_MODEL_SYNC_INTERVAL", "0")));
            assertThat(repository.modelNames()).containsExactly("iris");

            etag[0] = "\"v2\"";
            truncate[0] = true;
            assertThat(repository.modelNames()).containsExactly("iris");
            assertThat(((CachingModelRepository) repository).lastSyncError()).isPresent();
            assertThat(Files.readAllBytes(cache.resolve("iris.onnx"))).isEqualTo(v1);
            try (var tmp = Files.list(cache.resolve(".kubeserve/tmp"))) {
                assertThat(tmp).isEmpty();
            }
        }
    }

    @Test
    void unreachableServerFailsTheFirstSyncNamingTheUrl() {
        server.stop(0);
        ModelRepository repository = open("/models/iris.onnx");
        assertThatThrownBy(repository::modelNames).isInstanceOf(KubeServeException.class)
                .hasMessageContaining(base + "/models/");
    }

    @Test
    void unknownSchemesAreRefused() {
        assertThatThrownBy(() -> ModelRepositories.open("gs://bucket/models", cache, null))
                .isInstanceOf(KubeServeException.class).hasMessageContaining("unknown scheme 'gs://'");
    }
}
