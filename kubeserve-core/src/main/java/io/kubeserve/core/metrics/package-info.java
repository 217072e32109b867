/** Micrometer binders for model state; request metrics belong to the transport that sees requests. */
package io.kubeserve.core.metrics;
