package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.kubeserve.core.error.KubeServeException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One sync of a remote store into a directory: what it fetches, what a second run skips, what it refuses. */
class RemoteFetchTest {

    private final RemoteFetch fetch = new RemoteFetch(RemoteSettings.of(Map.of()));

    @Test
    void fetchesAnArchiveIntoTheDestinationAndSkipsItTheSecondTime(@TempDir Path dest) throws IOException {
        byte[] model = HttpModelStoreTest.resource("iris_logreg.onnx");
        byte[] archive = HttpModelStoreTest.zip(Map.of("iris/1/model.onnx", model));
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
            RemoteFetch.Result first = fetch.fetch(uri, dest, null);
            assertThat(first.sync().fetched()).isEqualTo(1);
            assertThat(first.sync().bytes()).isEqualTo(model.length);
            assertThat(first.models()).containsExactly("iris");
            assertThat(first.directory()).isEqualTo(dest.toAbsolutePath().normalize());
            assertThat(dest.resolve("iris/1/model.onnx")).hasBinaryContent(model);

            RemoteFetch.Result second = fetch.fetch(uri, dest, null);
            assertThat(second.sync().fetched()).isZero();
            assertThat(second.sync().unchanged()).isEqualTo(1);
            assertThat(second.models()).containsExactly("iris");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void localLocationsAreRefused(@TempDir Path dest) {
        assertThatThrownBy(() -> fetch.fetch("/models", dest, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be remote").hasMessageContaining("'/models'");
        assertThatThrownBy(() -> fetch.fetch("file:///models", dest, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be remote");
    }

    @Test
    void anUnreachableStoreFailsNamingIt(@TempDir Path dest) {
        assertThatThrownBy(() -> fetch.fetch("http://127.0.0.1:1/models.zip", dest, null))
                .isInstanceOf(KubeServeException.class).hasMessageContaining("http://127.0.0.1:1/");
    }
}
