/**
 * The Undertow adapter: routing, body limits, status codes, and the endpoints of every protocol,
 * each a small handler that calls a codec and the model registry.
 */
package io.kubeserve.http.undertow;
