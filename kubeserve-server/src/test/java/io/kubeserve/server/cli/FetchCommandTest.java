package io.kubeserve.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kubeserve.server.CliRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code fetch} command: arguments, exit statuses and what it prints. */
class FetchCommandTest {

    private static final Path IRIS = Path.of("..", "examples", "models", "iris", "1", "model.onnx")
            .toAbsolutePath().normalize();

    @Test
    void fetchesAnArchiveIntoTheDestination(@TempDir Path dest) throws IOException {
        byte[] model = Files.readAllBytes(IRIS);
        byte[] archive = zip("iris/1/model.onnx", model);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/models.zip", exchange -> {
            exchange.sendResponseHeaders(200, archive.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(archive);
            }
        });
        server.start();
        try {
            String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/models.zip";
            CliRun first = CliRun.run(Map.of(), "fetch", "--uri", uri, "--dest", dest.toString());
            assertThat(first.status()).as(first.err()).isZero();
            assertThat(first.out()).contains("fetched 1 files (" + model.length + " bytes) from " + uri)
                    .contains("models: iris");
            assertThat(dest.resolve("iris/1/model.onnx")).hasBinaryContent(model);

            CliRun second = CliRun.run(Map.of(), "fetch", "--uri=" + uri, "--dest=" + dest);
            assertThat(second.status()).isZero();
            assertThat(second.out()).contains("fetched 0 files").contains("1 unchanged");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void helpListsTheOptionsAndTheStoreSettings() {
        CliRun run = CliRun.run(Map.of(), "fetch", "--help");
        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("--uri=URI", "--dest=DIR", "--model-name=NAME", "KUBESERVE_S3_ENDPOINT",
                "Exit status");
    }

    @Test
    void missingUriIsAUsageError(@TempDir Path dest) {
        assertThat(CliRun.usageError(Map.of(), "fetch", "--dest", dest.toString()))
                .contains("kubeserve fetch: ", "Missing required option: '--uri=URI'", "fetch --help");
    }

    @Test
    void localPathsAndUnknownArgumentsAreUsageErrors(@TempDir Path dest) {
        assertThat(CliRun.usageError(Map.of(), "fetch", "--uri", "/models", "--dest", dest.toString()))
                .contains("must be remote", "'/models'");
        assertThat(CliRun.usageError(Map.of(), "fetch", "--uri", "s3://b/p", "--dest", dest.toString(), "--verbose"))
                .contains("Unknown option: '--verbose'");
    }

    @Test
    void aFailedFetchExitsWithOne(@TempDir Path dest) {
        CliRun run = CliRun.run(Map.of(), "fetch", "--uri", "http://127.0.0.1:1/models.zip", "--dest", dest.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("kubeserve fetch: ", "http://127.0.0.1:1/").doesNotContain("\tat ");
    }

    private static byte[] zip(String name, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }
}
