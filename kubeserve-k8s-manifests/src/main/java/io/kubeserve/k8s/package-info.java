/**
 * Generates the YAML that runs the KubeServe server on Kubernetes (1.31, optionally with KServe,
 * KEDA and Prometheus Operator) from a few validated {@link io.kubeserve.k8s.ManifestOptions}:
 * {@link io.kubeserve.k8s.ManifestGenerator} builds the documents, {@link io.kubeserve.k8s.ManifestYaml}
 * writes them, and {@link io.kubeserve.k8s.ManifestFiles} puts them into one file per kind. The
 * command line over these is the server jar's {@code manifests} command.
 */
package io.kubeserve.k8s;
