package io.kubeserve.http.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Matches method and path against route templates and calls the endpoint with the path's
 * parameters. A template segment is a literal ({@code models}), a parameter ({@code {model}}) or a
 * parameter with a literal suffix ({@code {model}:predict}, as KServe V1 writes its verbs).
 *
 * <p>A path no template matches is 404; a path that matches under another method is 405 with an
 * {@code Allow} header (both with the JSON error body of {@link Responses#error(HttpServerExchange,
 * int, String)}). A {@code GET} route also answers {@code HEAD}. Paths are matched as Undertow hands
 * them over in {@link HttpServerExchange#getRelativePath()} (already percent-decoded), ignoring one
 * leading and one trailing {@code /}; a parameter matches one whole, non-empty segment. Routes are
 * matched in the order they were added, the first that fits wins, without allocation beyond the
 * parameter array.
 *
 * <p>Thread-safety: add every route on one thread before the router handles its first request
 * (publish it through a final field, as {@link KubeServeHandler} does); from then on it is read-only
 * and safe for any number of Undertow threads.
 */
public final class Router implements HttpHandler {

    /** What a route runs, with the values of its template's parameters in order. */
    @FunctionalInterface
    public interface Endpoint {
        /**
         * Handles one request that matched the route, on the thread Undertow called the router on
         * (an I/O thread unless an outer handler dispatched); the endpoint dispatches to a worker
         * itself before it blocks, and it owns the exchange from here: it must end it or dispatch.
         *
         * @param exchange the request and its response
         * @param params   the values of the template's parameters, left to right, each without its
         *                 literal suffix ({@code iris} for {@code iris:predict} under
         *                 {@code {model}:predict}); empty for a template without parameters; the
         *                 endpoint may keep or change the array, it is made for this call
         * @throws Exception anything the endpoint does not answer itself; it propagates to the
         *                   handlers around the router
         */
        void handle(HttpServerExchange exchange, String[] params) throws Exception;
    }

    private record Route(HttpString method, String template, String[][] segments, Endpoint endpoint) {
    }

    private final List<Route> routes = new ArrayList<>();

    /**
     * Adds a {@code GET} route, which answers {@code HEAD} too.
     *
     * @param template the path template, such as {@code /v2/models/{model}/ready}
     * @param endpoint what runs for a request that matches
     * @return this router
     */
    public Router get(String template, Endpoint endpoint) {
        return add(Methods.GET, template, endpoint);
    }

    /**
     * Adds a {@code POST} route.
     *
     * @param template the path template, such as {@code /v2/models/{model}/infer}
     * @param endpoint what runs for a request that matches
     * @return this router
     */
    public Router post(String template, Endpoint endpoint) {
        return add(Methods.POST, template, endpoint);
    }

    /**
     * Adds a route, tried after those added before it.
     *
     * @param method   the HTTP method it answers, as in {@link Methods}
     * @param template {@code /}-separated segments, each a literal, {@code {name}} or
     *                 {@code {name}suffix}; the name inside the braces is for readers only, parameters
     *                 are passed by position
     * @param endpoint what runs for a request that matches
     * @return this router
     */
    public Router add(HttpString method, String template, Endpoint endpoint) {
        String[] parts = split(template);
        String[][] segments = new String[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.startsWith("{")) {
                int close = part.indexOf('}');
                // {name} or {name}<suffix>: element 0 null marks a parameter, element 1 its suffix
                segments[i] = new String[] {null, part.substring(close + 1)};
            } else {
                segments[i] = new String[] {part};
            }
        }
        routes.add(new Route(method, template, segments, endpoint));
        return this;
    }

    /**
     * Every route, for docs and tests.
     *
     * @return {@code "METHOD /template"} per route, in matching order; a new immutable list
     */
    public List<String> routes() {
        return routes.stream().map(route -> route.method + " " + route.template).toList();
    }

    /**
     * Runs the first route that matches the exchange's method and path, or answers 404 or 405.
     *
     * @param exchange the request
     * @throws Exception whatever the route's endpoint throws
     */
    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String[] path = split(exchange.getRelativePath());
        Set<String> allowed = null;
        for (Route route : routes) {
            String[] params = match(route.segments, path);
            if (params == null) {
                continue;
            }
            if (route.method.equals(exchange.getRequestMethod())
                    || (route.method.equals(Methods.GET) && exchange.getRequestMethod().equals(Methods.HEAD))) {
                route.endpoint.handle(exchange, params);
                return;
            }
            if (allowed == null) {
                allowed = new TreeSet<>();
            }
            allowed.add(route.method.toString());
        }
        if (allowed != null) {
            exchange.getResponseHeaders().put(io.undertow.util.Headers.ALLOW, String.join(", ", allowed));
            Responses.error(exchange, 405, "method " + exchange.getRequestMethod() + " is not allowed on "
                    + exchange.getRelativePath() + "; use " + String.join(" or ", allowed));
            return;
        }
        Responses.error(exchange, 404, "no route for " + exchange.getRequestMethod() + " " + exchange.getRelativePath());
    }

    /**
     * The parameter values if {@code path} fits {@code template}, else null. Checks first and only
     * then extracts, so the routes tried before the right one cost no allocation.
     */
    private static String[] match(String[][] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        int count = 0;
        for (int i = 0; i < template.length; i++) {
            String[] segment = template[i];
            String actual = path[i];
            if (segment[0] != null) {
                if (!segment[0].equals(actual)) {
                    return null;
                }
            } else {
                String suffix = segment[1];
                if (!actual.endsWith(suffix) || actual.length() == suffix.length()) {
                    return null;
                }
                count++;
            }
        }
        if (count == 0) {
            return NO_PARAMS;
        }
        String[] params = new String[count];
        int next = 0;
        for (int i = 0; i < template.length; i++) {
            if (template[i][0] == null) {
                params[next++] = path[i].substring(0, path[i].length() - template[i][1].length());
            }
        }
        return params;
    }

    private static final String[] NO_PARAMS = new String[0];

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.isEmpty() ? NO_PARAMS : trimmed.split("/", -1);
    }
}
