package io.kubeserve.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server on an ephemeral loopback port over the bundled example repository
 * ({@code examples/models}: iris and mlp), with a client and the reference outputs.
 */
final class RunningServer implements AutoCloseable {

    static final Path EXAMPLES = Path.of("..", "examples", "models").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    final KubeServeServer server;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RunningServer(ServerConfig config) {
        server = KubeServeServer.start(config.withHost("127.0.0.1").withPort(0));
    }

    RunningServer() {
        this(ServerConfig.defaults(EXAMPLES));
    }

    /** A repository of the iris model alone under {@code dir}: no PyTorch to load, so a server starts fast. */
    static Path irisOnly(Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir.resolve("iris/1"));
            java.nio.file.Files.copy(EXAMPLES.resolve("iris/1/model.onnx"), dir.resolve("iris/1/model.onnx"));
            java.nio.file.Files.copy(EXAMPLES.resolve("iris/labels.txt"), dir.resolve("iris/labels.txt"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies {@code file} into {@code repo} as version 1 of {@code model}, named {@code as}. */
    static void addModel(Path repo, String model, Path file, String as) {
        try {
            java.nio.file.Files.createDirectories(repo.resolve(model + "/1"));
            java.nio.file.Files.copy(file, repo.resolve(model + "/1/" + as));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A GET with {@code Authorization: Bearer token}; no header when the token is null. */
    HttpResponse<String> get(String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request.newBuilder(request, (n, v) -> true).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> sendBytes(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** The reference document {@code expected/NAME.expected.json} (copied from the shared models). */
    static JsonNode expected(String name) {
        try (InputStream in = RunningServer.class.getResourceAsStream("/expected/" + name + ".expected.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
