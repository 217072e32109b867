package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.util.concurrent.ListenableFuture;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.grpc.KubeServeGrpc;
import io.kubeserve.grpc.Http2Peer;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import io.kubeserve.k8s.ManifestGenerator;
import io.kubeserve.k8s.ManifestOptions;
import io.kubeserve.k8s.ProbeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server runs the gRPC adapter beside HTTP ({@code --grpc-port}) on the same models: iris answers
 * over gRPC as scikit-learn did, health and liveness answer, gRPC calls show in {@code /metrics}, and
 * closing the server (what SIGTERM does) lets gRPC calls in flight finish.
 */
class GrpcServerTest {

    /** Every sample row of the iris reference document. */
    private static final int IRIS_ROWS =
            RunningServer.expected("iris_logreg").path("sample_inputs").path("float_input").size();

    @TempDir
    Path repo;

    /**
     * What the generator's gRPC probes ask (manifests {@code --probes grpc}), asked of a server that runs
     * but is not ready (its only model failed to load): liveness must say SERVING, or the kubelet would
     * restart a pod that only needs a model; startup and readiness NOT_SERVING, as the HTTP probes say 503.
     */
    @Test
    void generatedGrpcProbesKeepAnUnreadyServerAliveButOutOfService() throws Exception {
        Path version = Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(version.resolve("model.onnx"), "not an ONNX graph");
        int grpcPort = TestTools.freePort();
        ManifestOptions options = ManifestOptions.builder("broken", "kubeserve/server:onnx")
                .grpcPort(grpcPort).probes(ProbeKind.GRPC).build();
        Container pod = ManifestGenerator.generate(options).stream()
                .filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow()
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo).withGrpcPort(grpcPort))) {
            assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(503);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            try {
                var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                for (Probe probe : List.of(pod.getStartupProbe(), pod.getLivenessProbe(), pod.getReadinessProbe())) {
                    assertThat(probe.getGrpc().getPort()).isEqualTo(grpcPort);
                    String service = probe.getGrpc().getService();
                    ServingStatus status = health.check(HealthCheckRequest.newBuilder()
                            .setService(service == null ? "" : service).build()).getStatus();
                    assertThat(status).as("the health check of %s", service)
                            .isEqualTo(probe == pod.getLivenessProbe() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void servesIrisOverGrpcBesideHttpAndDrainsCallsInFlightOnClose() throws Exception {
        RunningServer.irisOnly(repo);
        Files.createDirectories(repo.resolve("slow/1"));
        Files.writeString(repo.resolve("slow/1/model.slow"), "400");
        Files.writeString(repo.resolve("slow/config.json"), "{\"instance_group\": [{\"count\": 4}]}");
        int grpcPort = TestTools.freePort();
        RunningServer server = new RunningServer(ServerConfig.defaults(repo).withGrpcPort(grpcPort));
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try {
            assertThat(server.server.grpcPort()).isEqualTo(grpcPort);
            var inference = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);

            assertThat(inference.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
            assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(ServingStatus.SERVING);
            assertThat(health.check(HealthCheckRequest.newBuilder().setService(KubeServeGrpc.LIVENESS_SERVICE)
                    .build()).getStatus()).isEqualTo(ServingStatus.SERVING);

            assertIrisAnswersAsScikitLearn(inference.modelInfer(irisRequest(IRIS_ROWS)));
            assertThat(server.get("/metrics").body()).contains("protocol=\"grpc\"");

            // SIGTERM's path: close() while calls of 400 ms are running, all of them must finish OK
            var async = GRPCInferenceServiceGrpc.newFutureStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            List<ListenableFuture<ModelInferResponse>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(async.modelInfer(slowRequest()));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> server.server.registry().model("slow").scheduler().orElseThrow().inFlight() == 4);
            CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close, closer);
            for (ListenableFuture<ModelInferResponse> call : inFlight) {
                ModelInferResponse response = call.get(30, TimeUnit.SECONDS);
                assertThat(response.getOutputsList()).extracting(o -> o.getName()).contains("y");
            }
            closed.get(30, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow();
            closer.shutdownNow();
            server.close();
        }
    }

    /**
     * {@code --grpc-max-connection-age}: the server ends the connection once it is a second old, a
     * call of 2.5 s in flight then runs to its end (no grace limit), and the client's channel, its
     * connection gone, goes back to IDLE to connect anew.
     */
    @Test
    void anAgedConnectionEndsAfterItsCallInFlightFinishes() throws Exception {
        Files.createDirectories(repo.resolve("slow/1"));
        Files.writeString(repo.resolve("slow/1/model.slow"), "2500");
        int grpcPort = TestTools.freePort();
        // a drain timeout under the call's 2.5 s: the age's GOAWAY must not bound calls by it
        ServerConfig config = ServerConfig.defaults(repo).withGrpcPort(grpcPort).toBuilder()
                .grpcConnections(GrpcConnectionConfig.defaults().withMaxConnectionAge(java.time.Duration.ofSeconds(1)))
                .drainTimeout(java.time.Duration.ofSeconds(1)).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try (RunningServer server = new RunningServer(config)) {
            ModelInferResponse answer = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(slowRequest());
            assertThat(answer.getOutputsList()).extracting(o -> o.getName()).contains("y");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> channel.getState(false) == io.grpc.ConnectivityState.IDLE);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * {@code --header-timeout} bounds a new gRPC connection's start: one that never sends the HTTP/2
     * preface is closed then, not after grpc-java's own 120 s.
     */
    @Test
    void aGrpcConnectionThatNeverStartsIsClosedAfterTheHeaderTimeout() throws Exception {
        RunningServer.irisOnly(repo);
        int grpcPort = TestTools.freePort();
        ServerConfig config = ServerConfig.defaults(repo).withGrpcPort(grpcPort).withSecurity(SecurityConfig.defaults()
                .withTimeouts(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(120)));
        try (RunningServer server = new RunningServer(config);
             java.net.Socket silent = new java.net.Socket("127.0.0.1", grpcPort)) {
            silent.setSoTimeout(15_000);
            long start = System.nanoTime();
            // the server may send its own SETTINGS first; then it closes the connection: end of stream
            // (or a reset), not a read's own 15-s timeout, which would throw SocketTimeoutException
            try {
                while (silent.getInputStream().read() != -1) {
                    // skip what the server sends
                }
            } catch (java.net.SocketException reset) {
                // closed with a reset: closed all the same
            }
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(10));
        }
    }

    /**
     * The keepalive flags reach the listener: the server pings a connection silent for
     * {@code --grpc-keepalive-time} (10 s, the least) and closes it once the answer is
     * {@code --grpc-keepalive-timeout} late, while a peer that answers stays connected and, with
     * {@code --grpc-permit-keepalive-time 0 --grpc-permit-keepalive-without-calls}, may ping an idle
     * connection back to back (gRPC's defaults send it away on the third ping; KeepAlivePolicyTest).
     */
    @Test
    void theServerPingsSilentConnectionsClosesUnansweredOnesAndAcceptsPermittedClientPings() throws Exception {
        int grpcPort = TestTools.freePort();
        ServerConfig config = irisFromTheCommandLine(grpcPort, "--grpc-keepalive-time", "10",
                "--grpc-keepalive-timeout", "1", "--grpc-permit-keepalive-time", "0",
                "--grpc-permit-keepalive-without-calls");
        java.time.Duration wait = java.time.Duration.ofSeconds(15);
        try (RunningServer server = new RunningServer(config);
             Http2Peer vanished = Http2Peer.connect(grpcPort);
             Http2Peer present = Http2Peer.connect(grpcPort)) {
            for (long i = 0; i < 5; i++) {
                present.ping(i);
                assertThat(present.next(wait).isPingAck()).as("ack of client ping %d", i).isTrue();
            }
            // both connections fall silent now: the server pings each 10 s after it last heard from it (the
            // read's 15 s bound that from above; grpc-java raises any time under 10 s to 10 s, so no lower
            // bound is worth checking)
            Http2Peer.Frame vanishedPing = vanished.next(wait);
            long pinged = System.nanoTime();
            assertThat(vanishedPing.isPingRequest()).isTrue();
            Http2Peer.Frame presentPing = present.next(wait);
            assertThat(presentPing.isPingRequest()).isTrue();
            present.answer(presentPing);
            // unanswered for --grpc-keepalive-timeout (1 s): a GOAWAY may come first, then the connection ends
            java.time.Duration closeWait = java.time.Duration.ofSeconds(5);
            Http2Peer.Frame after = vanished.next(closeWait);
            if (after != null) {
                assertThat(after.type()).isEqualTo(Http2Peer.GOAWAY);
                assertThat(vanished.next(closeWait)).isNull();
            }
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - pinged)).as("from the ping to the close")
                    .isLessThan(java.time.Duration.ofSeconds(4));
            present.ping(99);
            assertThat(present.next(wait).pingData()).as("the answering peer is still connected").isEqualTo(99);
        }
    }

    @Test
    void theStreamLimitFlagsReachTheListener() throws Exception {
        int grpcPort = TestTools.freePort();
        ServerConfig config = irisFromTheCommandLine(grpcPort, "--grpc-max-concurrent-streams", "7",
                "--grpc-max-rst-streams", "3", "--grpc-rst-stream-window", "60");
        java.time.Duration wait = java.time.Duration.ofSeconds(5);
        try (RunningServer server = new RunningServer(config); Http2Peer peer = Http2Peer.connect(grpcPort)) {
            peer.ping(0);
            assertThat(peer.next(wait).isPingAck()).isTrue();
            assertThat(peer.serverSetting(Http2Peer.SETTINGS_MAX_CONCURRENT_STREAMS)).isEqualTo(7L);
            // four calls opened and cancelled at once (RST_STREAM CANCEL): the fourth is one too many
            for (int stream = 1; stream <= 7; stream += 2) {
                peer.openCall(stream, "inference.GRPCInferenceService/ModelInfer");
                peer.reset(stream, Http2Peer.CANCEL);
            }
            Http2Peer.Frame goAway = peer.next(wait);
            assertThat(goAway).as("a frame before the connection ends").isNotNull();
            assertThat(goAway.type()).isEqualTo(Http2Peer.GOAWAY);
            assertThat(goAway.goAwayDebugData()).isEqualTo("too_many_rststreams");
        }
    }

    /**
     * The server's settings from its command line: the iris repository, on 127.0.0.1 with a free HTTP
     * port and {@code grpcPort}, and {@code flags}.
     */
    private ServerConfig irisFromTheCommandLine(int grpcPort, String... flags) {
        RunningServer.irisOnly(repo);
        String[] common = {"--model-repository", repo.toString(), "--host", "127.0.0.1", "--port", "0",
            "--grpc-port", Integer.toString(grpcPort)};
        return CliRun.serve(Map.of(), java.util.stream.Stream.concat(java.util.Arrays.stream(common),
                java.util.Arrays.stream(flags)).toArray(String[]::new));
    }

    /** One row for the test engine's {@code slow} model, which answers {@code y} after its delay. */
    private static ModelInferRequest slowRequest() {
        return ModelInferRequest.newBuilder().setModelName("slow")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(1).addShape(1)
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1f))).build();
    }

    /** A ModelInfer of the first {@code rowCount} iris rows of the reference document, typed FP32. */
    static ModelInferRequest irisRequest(int rowCount) {
        JsonNode rows = RunningServer.expected("iris_logreg").path("sample_inputs").path("float_input");
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (int row = 0; row < rowCount; row++) {
            rows.get(row).forEach(value -> contents.addFp32Contents(value.floatValue()));
        }
        return ModelInferRequest.newBuilder().setModelName("iris")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("float_input").setDatatype("FP32")
                        .addShape(rowCount).addShape(4).setContents(contents))
                .build();
    }

    private static void assertIrisAnswersAsScikitLearn(ModelInferResponse response) {
        JsonNode reference = RunningServer.expected("iris_logreg");
        JsonNode labels = reference.path("expected").path("label");
        JsonNode probabilities = reference.path("expected").path("probabilities");
        double tolerance = Tolerances.absolute(reference, "probabilities");
        ModelInferResponse.InferOutputTensor label = output(response, "output_label");
        ModelInferResponse.InferOutputTensor probability = output(response, "output_probability");
        assertThat(probability.getShapeList()).containsExactly((long) labels.size(), 3L);
        for (int row = 0; row < labels.size(); row++) {
            assertThat(label.getContents().getInt64Contents(row)).isEqualTo(labels.get(row).asLong());
            for (int k = 0; k < 3; k++) {
                assertThat((double) probability.getContents().getFp32Contents(row * 3 + k))
                        .isCloseTo(probabilities.get(row).get(k).asDouble(), within(tolerance));
            }
        }
    }

    /** The output named {@code name}; fails the test when there is none. */
    static ModelInferResponse.InferOutputTensor output(ModelInferResponse response, String name) {
        return response.getOutputsList().stream().filter(o -> o.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no output " + name + " in " + response.getOutputsList()));
    }
}
