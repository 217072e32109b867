package io.kubeserve.http.undertow;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /openapi.json} and Swagger UI at {@code /docs}, served from the jar (the swagger-ui
 * webjar), so the docs work with no network. Files are read once and kept.
 */
final class DocsEndpoints {

    private static final String OPENAPI = "/io/kubeserve/http/openapi.json";
    private static final String INDEX = "/io/kubeserve/http/docs.html";
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "html", "text/html; charset=utf-8",
            "png", "image/png",
            "json", "application/json",
            "map", "application/json");

    private final String webjarRoot = webjarRoot();
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    void openApi(HttpServerExchange exchange, String[] params) {
        Endpoints.run(exchange, () -> Responses.send(exchange, 200, Responses.JSON, read(OPENAPI)));
    }

    void index(HttpServerExchange exchange, String[] params) {
        Endpoints.run(exchange, () -> Responses.send(exchange, 200, TYPES.get("html"), read(INDEX)));
    }

    /** A Swagger UI file by name; only plain file names of the webjar are served. */
    void asset(HttpServerExchange exchange, String[] params) {
        String file = params[0];
        int dot = file.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(file.substring(dot + 1));
        if (type == null || !file.matches("[A-Za-z0-9._-]+") || file.contains("..")) {
            Responses.error(exchange, 404, "no such documentation file: " + file);
            return;
        }
        byte[] body = readOrNull(webjarRoot + file);
        if (body == null) {
            Responses.error(exchange, 404, "no such documentation file: " + file);
            return;
        }
        exchange.getResponseHeaders().put(io.undertow.util.Headers.CACHE_CONTROL, "max-age=3600");
        Responses.send(exchange, 200, type, body);
    }

    private byte[] read(String resource) {
        byte[] body = readOrNull(resource);
        if (body == null) {
            throw new IllegalStateException("missing resource " + resource + " in the server jar");
        }
        return body;
    }

    private byte[] readOrNull(String resource) {
        byte[] cached = cache.get(resource);
        if (cached != null) {
            return cached;
        }
        try (InputStream in = DocsEndpoints.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            byte[] body = in.readAllBytes();
            cache.put(resource, body);
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The webjar's versioned folder, read from its Maven metadata so a version bump needs no code change. */
    private static String webjarRoot() {
        Properties properties = new Properties();
        try (InputStream in = DocsEndpoints.class.getResourceAsStream(
                "/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "/META-INF/resources/webjars/swagger-ui/" + properties.getProperty("version", "unknown") + "/";
    }
}
