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
 * {@code Allow} header. Routes are fixed at build time and matched in order without allocation
 * beyond the parameter array.
 */
public final class Router implements HttpHandler {

    /** What a route runs, with the values of its template's parameters in order. */
    @FunctionalInterface
    public interface Endpoint {
        void handle(HttpServerExchange exchange, String[] params) throws Exception;
    }

    private record Route(HttpString method, String template, String[][] segments, Endpoint endpoint) {
    }

    private final List<Route> routes = new ArrayList<>();

    public Router get(String template, Endpoint endpoint) {
        return add(Methods.GET, template, endpoint);
    }

    public Router post(String template, Endpoint endpoint) {
        return add(Methods.POST, template, endpoint);
    }

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

    /** Every route as {@code "METHOD /template"}, in matching order; for docs and tests. */
    public List<String> routes() {
        return routes.stream().map(route -> route.method + " " + route.template).toList();
    }

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
