package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code fetch} subcommand: arguments, exit statuses and what it prints. */
class FetchCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final FetchCommand command = new FetchCommand(RemoteSettings.of(Map.of()));

    private int run(String... args) {
        return command.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void fetchesAnArchiveIntoTheDestination(@TempDir Path dest) throws IOException {
        byte[] archive = HttpModelStoreTest.zip(Map.of("iris/1/model.onnx", HttpModelStoreTest.resource("iris_logreg.onnx")));
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
            assertThat(run("--uri", uri, "--dest", dest.toString())).as(err.toString()).isZero();
            assertThat(out.toString()).contains("fetched 1 files").contains("models: iris");
            assertThat(dest.resolve("iris/1/model.onnx")).hasBinaryContent(HttpModelStoreTest.resource("iris_logreg.onnx"));

            out.reset();
            assertThat(run("--uri", uri, "--dest", dest.toString())).isZero();
            assertThat(out.toString()).contains("fetched 0 files").contains("1 unchanged");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--uri").contains("--dest").contains("KUBESERVE_S3_ENDPOINT");
    }

    @Test
    void missingUriIsAUsageError(@TempDir Path dest) {
        assertThat(run("--dest", dest.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--uri is required");
    }

    @Test
    void localPathsAndUnknownArgumentsAreUsageErrors(@TempDir Path dest) {
        assertThat(run("--uri", "/models", "--dest", dest.toString())).isEqualTo(2);
        assertThat(run("--uri", "s3://b/p", "--dest", dest.toString(), "--verbose")).isEqualTo(2);
        assertThat(err.toString()).contains("must be remote").contains("unknown argument '--verbose'");
    }

    @Test
    void aFailedFetchExitsWithOne(@TempDir Path dest) {
        assertThat(run("--uri", "http://127.0.0.1:1/models.zip", "--dest", dest.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("http://127.0.0.1:1/");
    }
}
