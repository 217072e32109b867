/**
 * KubeServe's core: transport-free requests and responses, the error type, and the
 * {@link io.kubeserve.core.KubeServe} facade for applications that embed the library.
 */
package io.kubeserve.core;
