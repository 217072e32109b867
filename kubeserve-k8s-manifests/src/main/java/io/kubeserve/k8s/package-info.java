/**
 * Generates the YAML that runs the KubeServe server on Kubernetes (1.31, optionally with KServe,
 * KEDA and Prometheus Operator) from a few validated {@link io.kubeserve.k8s.ManifestOptions}:
 * {@link io.kubeserve.k8s.ManifestGenerator} builds the documents, {@link io.kubeserve.k8s.ManifestYaml}
 * writes them, and {@link io.kubeserve.k8s.ManifestsCommand} is the command line over both.
 */
package io.kubeserve.k8s;
