/**
 * Micrometer binders for model state and scheduling (queue, executions, batches); request metrics
 * belong to the transport that sees requests.
 */
package io.kubeserve.core.metrics;
