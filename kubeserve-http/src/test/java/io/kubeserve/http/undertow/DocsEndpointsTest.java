package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /docs}, its Swagger UI files and {@code /openapi.json} over HTTP: bodies, types, caching headers, 404s. */
class DocsEndpointsTest {

    @TempDir
    Path repository;

    private ModelRegistry registry;
    private Undertow server;
    private String base;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        registry = new ModelRegistry(FileSystemModelRepository.open(repository), ModelRegistry.defaultLoaders());
        KubeServeHandler handler = KubeServeHandler.builder(registry).workers(Runnable::run).build();
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(handler)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 65536L).build();
        server.start();
        base = "http://127.0.0.1:" + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @AfterEach
    void stop() {
        server.stop();
        registry.close();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The file as the webjar holds it, read here independently of the server. */
    private static byte[] webjarFile(String name) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = DocsEndpointsTest.class.getResourceAsStream(
                "/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            properties.load(in);
        }
        try (InputStream in = DocsEndpointsTest.class.getResourceAsStream(
                "/META-INF/resources/webjars/swagger-ui/" + properties.getProperty("version") + "/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void swaggerUiFilesComeFromTheWebjarWithTheirTypeAndMayBeCachedForAnHour() throws Exception {
        for (String[] file : new String[][] {
                {"swagger-ui.css", "text/css; charset=utf-8"},
                {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
                {"favicon-32x32.png", "image/png"}}) {
            HttpResponse<byte[]> response = get("/docs/" + file[0]);
            assertThat(response.statusCode()).as(file[0]).isEqualTo(200);
            assertThat(response.body()).as(file[0]).isEqualTo(webjarFile(file[0]));
            assertThat(response.headers().firstValue("Content-Type")).as(file[0]).hasValue(file[1]);
            assertThat(response.headers().firstValue("Cache-Control")).as(file[0]).hasValue("max-age=3600");
            assertThat(response.headers().firstValue("Last-Modified")).as(file[0]).isPresent();
        }
    }

    @Test
    void repeatedAndCompressedAnswersAreTheSameBytes() throws Exception {
        byte[] bundle = webjarFile("swagger-ui-bundle.js");
        for (int i = 0; i < 5; i++) {
            // the first answers read the jar, later ones the in-memory copy
            assertThat(get("/docs/swagger-ui-bundle.js").body()).as("plain #%d", i).isEqualTo(bundle);
            HttpResponse<byte[]> gzipped = get("/docs/swagger-ui-bundle.js", "Accept-Encoding", "gzip");
            assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
            try (InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzipped.body()))) {
                assertThat(in.readAllBytes()).as("gzip #%d", i).isEqualTo(bundle);
            }
        }
    }

    @Test
    void aConditionalGetOfAnUnchangedFileIs304() throws Exception {
        HttpResponse<byte[]> first = get("/docs/swagger-ui.css");
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
        HttpResponse<byte[]> again = get("/docs/swagger-ui.css", "If-Modified-Since", lastModified);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();

        HttpResponse<byte[]> page = get("/docs");
        assertThat(get("/docs", "If-Modified-Since", page.headers().firstValue("Last-Modified").orElseThrow())
                .statusCode()).isEqualTo(304);
    }

    @Test
    void thePageAndTheDocumentAreRevalidatedEveryTime() throws Exception {
        HttpResponse<byte[]> openApi = get("/openapi.json");
        assertThat(openApi.statusCode()).isEqualTo(200);
        assertThat(openApi.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(openApi.headers().firstValue("Cache-Control")).hasValue("no-cache");
        try (InputStream in = DocsEndpointsTest.class.getResourceAsStream("/io/kubeserve/http/openapi.json")) {
            assertThat(openApi.body()).isEqualTo(in.readAllBytes());
        }
        HttpResponse<byte[]> page = get("/docs/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(new String(page.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("/docs/swagger-ui-bundle.js", "/openapi.json");
    }

    @Test
    void unknownFilesOtherTypesAndPathsAreAJson404() throws Exception {
        for (String path : new String[] {"/docs/no-such-file.js", "/docs/pom.properties", "/docs/..%2Fpom.xml",
                "/docs/..%2F..%2F..%2F..%2Fio%2Fkubeserve%2Fhttp%2Fopenapi.json", "/docs/.js"}) {
            HttpResponse<byte[]> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(path).startsWith("application/json");
            assertThat(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)).as(path)
                    .contains("no such documentation file");
            assertThat(response.headers().firstValue("Cache-Control")).as(path).isEmpty();
        }
    }

    @Test
    void aBodyOverTheLimitGetsTheFileAndAConnectionClose() throws Exception {
        int port = Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("GET /docs/swagger-ui.css HTTP/1.1\r\nHost: test\r\nContent-Length: 200000\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(reader.readLine()).startsWith("HTTP/1.1 200");
            java.util.List<String> headers = new java.util.ArrayList<>();
            for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) {
                headers.add(line.toLowerCase(java.util.Locale.ROOT));
            }
            assertThat(headers).contains("connection: close");
        }
    }

    @Test
    void headAnswersTheLengthWithoutABody() throws Exception {
        HttpResponse<Void> head = client.send(HttpRequest.newBuilder(URI.create(base + "/docs/swagger-ui.css"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(webjarFile("swagger-ui.css").length);
    }
}
