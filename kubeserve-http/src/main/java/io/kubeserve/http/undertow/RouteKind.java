package io.kubeserve.http.undertow;

import java.util.Set;

/**
 * What a request path is for, as authentication and rate limiting see it. Matched exactly (after
 * dropping one trailing slash, as the {@link Router} does), so a path counts as a probe only when
 * the router would send it to a probe: no prefix trick reaches the API through an open class.
 */
enum RouteKind {
    /** Liveness and readiness: open by default, never rate limited (a kubelet must always get through). */
    PROBE,
    /** {@code /metrics}: open by default so a Prometheus scrape needs no secret. */
    METRICS,
    /** The model repository API, guarded by its own admin token rather than the API tokens. */
    REPOSITORY,
    /** Everything else, docs included. */
    API;

    private static final Set<String> PROBES = Set.of("/health", "/ready", "/health/live", "/health/ready",
            "/v2/health/live", "/v2/health/ready");

    static RouteKind of(String relativePath) {
        String path = relativePath.length() > 1 && relativePath.endsWith("/")
                ? relativePath.substring(0, relativePath.length() - 1) : relativePath;
        if (PROBES.contains(path)) {
            return PROBE;
        }
        if (path.equals("/metrics")) {
            return METRICS;
        }
        if (path.startsWith("/v2/repository/")) {
            return REPOSITORY;
        }
        return API;
    }
}
