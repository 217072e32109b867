/** Request metrics for Prometheus: counts, latency histograms and errors per model and protocol. */
package io.kubeserve.http.metrics;
