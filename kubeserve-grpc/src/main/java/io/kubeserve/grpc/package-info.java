/**
 * The Open Inference Protocol over gRPC: {@link io.kubeserve.grpc.KubeServeGrpc} serves
 * {@code inference.GRPCInferenceService} (generated into {@code io.kubeserve.grpc.v2}), the standard
 * {@code grpc.health.v1.Health} service and server reflection, on a core {@code ModelRegistry}.
 */
package io.kubeserve.grpc;
