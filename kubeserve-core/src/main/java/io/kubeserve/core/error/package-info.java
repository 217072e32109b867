/**
 * How KubeServe reports failures: one unchecked exception,
 * {@link io.kubeserve.core.error.KubeServeException}, carrying an
 * {@link io.kubeserve.core.error.ErrorCode} that a transport maps to its own status (the HTTP
 * module: 400, 404, 503, 504, 501 or 500) and a message meant for the person who sent the request.
 */
package io.kubeserve.core.error;
