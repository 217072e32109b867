package io.kubeserve.http.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.cache.DirectBufferCache;
import io.undertow.server.handlers.resource.CachingResourceManager;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.server.handlers.resource.ResourceManager;
import io.undertow.util.Headers;
import io.undertow.util.MimeMappings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.regex.Pattern;
import org.xnio.BufferAllocator;

/**
 * {@code /openapi.json} and Swagger UI at {@code /docs}, served from the jar (the swagger-ui
 * webjar) by Undertow's {@link ResourceHandler}, so the docs work with no network. Files are kept
 * in a small in-memory cache after first use; answers carry {@code Last-Modified} and a conditional
 * {@code GET} gets 304. Swagger UI files may be cached for an hour ({@code Cache-Control:
 * max-age=3600}); the page and the OpenAPI document are revalidated every time
 * ({@code no-cache}), so an upgrade shows at once. No directory is ever listed, and only plain file
 * names of the webjar with a known type are served; anything else is a JSON 404.
 *
 * <p>Authentication and rate limits are applied before the router, as for any other API route.
 * Thread-safe; one instance per {@link KubeServeHandler}. The endpoint methods run on the I/O
 * thread and hand the file reading to a worker thread (the resource handler dispatches itself).
 */
final class DocsEndpoints {

    private static final String OWN_ROOT = "io/kubeserve/http/";
    private static final String OPENAPI = "/openapi.json";
    private static final String INDEX = "/docs.html";
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    /** Every type served, and the only file endings served; as before the move to ResourceHandler. */
    private static final MimeMappings TYPES = MimeMappings.builder(false)
            .addMapping("js", "text/javascript; charset=utf-8")
            .addMapping("css", "text/css; charset=utf-8")
            .addMapping("html", "text/html; charset=utf-8")
            .addMapping("png", "image/png")
            .addMapping("json", "application/json")
            .addMapping("map", "application/json")
            .build();
    /** Largest file kept in memory: the Swagger UI bundle is about 1.5 MB. */
    private static final long MAX_CACHED_FILE = 4L * 1024 * 1024;
    /** Memory for all kept files, on the heap, taken only as files are served. */
    private static final int CACHE_BYTES = 8 * 1024 * 1024;

    private final HttpHandler own;
    private final HttpHandler assets;

    /** Reads nothing yet; files are looked up on first request. */
    DocsEndpoints() {
        ClassLoader loader = DocsEndpoints.class.getClassLoader();
        this.own = handler(new ClassPathResourceManager(loader, OWN_ROOT), null);
        this.assets = handler(new ClassPathResourceManager(loader, webjarRoot()), 3600);
    }

    /** {@code GET /openapi.json}: the OpenAPI document, {@code application/json}. */
    void openApi(HttpServerExchange exchange, String[] params) throws Exception {
        serve(own, exchange, OPENAPI);
    }

    /** {@code GET /docs}: the Swagger UI page, which loads its files from {@code /docs/} and the document. */
    void index(HttpServerExchange exchange, String[] params) throws Exception {
        serve(own, exchange, INDEX);
    }

    /**
     * {@code GET /docs/{file}}: a Swagger UI file by name; only plain file names with a known type
     * are looked up, so no path can leave the webjar's folder.
     */
    void asset(HttpServerExchange exchange, String[] params) throws Exception {
        String file = params[0];
        int dot = file.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.getMimeType(file.substring(dot + 1));
        if (type == null || !PLAIN_NAME.matcher(file).matches() || file.contains("..")) {
            Responses.error(exchange, 404, "no such documentation file: " + file);
            return;
        }
        serve(assets, exchange, "/" + file);
    }

    private static void serve(HttpHandler handler, HttpServerExchange exchange, String resource) throws Exception {
        if (Responses.unreadBodyWillBeDropped(exchange)) {
            // as Responses.send does: Undertow drains an unread body only up to the entity limit and
            // then drops the connection, so announce the close or the client reuses a dead connection
            exchange.setPersistent(false);
        }
        // the resource handler looks the file up by the relative path; the route has been matched
        exchange.setRelativePath(resource);
        handler.handleRequest(exchange);
    }

    /**
     * A resource handler over {@code files} with the types above, no listing, in-memory caching,
     * and {@code Cache-Control: max-age=<maxAge>}, or {@code no-cache} when {@code maxAge} is null.
     */
    private static HttpHandler handler(ResourceManager files, Integer maxAge) {
        ResourceManager cached = new CachingResourceManager(64, MAX_CACHED_FILE,
                new DirectBufferCache(1024, 1024, CACHE_BYTES, BufferAllocator.BYTE_BUFFER_ALLOCATOR),
                files, CachingResourceManager.MAX_AGE_NO_EXPIRY);
        ResourceHandler resources = new ResourceHandler(cached, DocsEndpoints::notFound)
                .setDirectoryListingEnabled(false)
                .setWelcomeFiles()
                .setMimeMappings(TYPES);
        String cacheControl = maxAge == null ? "no-cache" : "max-age=" + maxAge;
        return exchange -> {
            exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, cacheControl);
            resources.handleRequest(exchange);
        };
    }

    /** The resource handler's answer when the file is not in the jar; the relative path is the one set above. */
    private static void notFound(HttpServerExchange exchange) {
        exchange.getResponseHeaders().remove(Headers.CACHE_CONTROL);
        Responses.error(exchange, 404, "no such documentation file: " + exchange.getRelativePath().substring(1));
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
        return "META-INF/resources/webjars/swagger-ui/" + properties.getProperty("version", "unknown") + "/";
    }
}
