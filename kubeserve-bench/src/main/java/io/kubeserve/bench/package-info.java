/**
 * Performance measurements of KubeServe: JMH benchmarks of the protocol codecs, of the core
 * predictor against the bare OnnxRuntime API, and of one HTTP round trip to an in-process server;
 * plus {@link io.kubeserve.bench.BareUndertowServer}, the floor the load harness
 * ({@code kubeserve-bench/load/run.sh}) compares the real server with; and
 * {@link io.kubeserve.bench.GrpcLoad}, the gRPC load client ({@code load/grpc_vs_rest.sh} runs it
 * beside wrk).
 *
 * <p>Every input is generated from a fixed seed, and the bundled models are copied out of the jar
 * into a temporary repository, so a run depends on nothing but this module's jar.
 * {@code docs/BENCHMARKS.md} has the commands and the figures measured.
 */
package io.kubeserve.bench;
