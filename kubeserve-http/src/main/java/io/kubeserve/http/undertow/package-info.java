/**
 * The Undertow adapter: routing, body limits, status codes, and the endpoints of every protocol,
 * each a small handler that calls a codec and the model registry.
 *
 * <p>In front of the router, in this order: {@link io.kubeserve.http.undertow.RequestIds} (an id for
 * every request, echoed and logged), {@code RateLimitHandler} (per-client token buckets, 429) and
 * {@code BearerAuthHandler} (API tokens, 401); {@link io.kubeserve.core.auth.BearerTokens} is the
 * one constant-time token check, shared with the repository API's admin token.
 */
package io.kubeserve.http.undertow;
