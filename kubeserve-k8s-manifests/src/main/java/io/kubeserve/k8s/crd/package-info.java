/**
 * Typed documents for the custom resources KubeServe emits but fabric8's built-in model does not
 * cover: Prometheus Operator's ServiceMonitor, KServe's InferenceService and KEDA's ScaledObject.
 * Each record carries only the fields the generator sets; nested pod parts reuse fabric8 types.
 */
package io.kubeserve.k8s.crd;
