package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.core.spi.Scheduler;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gRPC client's deadline reaches the model's queue: a call that waits behind a stuck request past
 * its deadline gets DEADLINE_EXCEEDED, leaves the queue at once and never runs, so a model that was
 * slow for a while does not then spend its time on answers nobody waits for.
 */
class GrpcDeadlineTest {

    /** Generous: the machines are shared, and a state that is reached is reached long before. */
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @TempDir
    Path repo;

    @Test
    void aCallQueuedPastItsDeadlineIsDroppedUnrun() throws Exception {
        String held = "deadline_held";
        Files.createDirectories(repo.resolve(held + "/1"));
        Files.writeString(repo.resolve(held + "/1/model.latch"), "");
        Files.writeString(repo.resolve(held + "/config.json"), "{\"instance_group\": [{\"count\": 1}]}");
        LatchModelLoader.Gate gate = LatchModelLoader.gate(held);
        int grpcPort = TestTools.freePort();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo).withGrpcPort(grpcPort))) {
            Scheduler scheduler = server.server.registry().model(held).scheduler().orElseThrow();
            // the engine holds the first call
            ListenableFuture<ModelInferResponse> running = GRPCInferenceServiceGrpc.newFutureStub(channel)
                    .withDeadlineAfter(PATIENCE.toSeconds(), TimeUnit.SECONDS).modelInfer(request(held, 1f));
            await().atMost(PATIENCE).until(() -> gate.entered() == 1);

            // the second waits in the queue behind it until its 300 ms are up
            var impatient = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> impatient.modelInfer(request(held, 2f)))
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            await().atMost(PATIENCE).until(() -> scheduler.queueDepth() == 0);

            gate.open();
            assertThat(running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).getOutputsList()).isNotEmpty();
            // a call after it runs, the expired one never did
            GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(PATIENCE.toSeconds(), TimeUnit.SECONDS)
                    .modelInfer(request(held, 3f));
            assertThat(gate.ran()).containsExactly(1f, 3f);
            // and it counts as a timeout of the model over gRPC
            assertThat(server.get("/metrics").body().lines().filter(line -> line.startsWith("inference_requests_total{")
                    && line.contains("model=\"" + held + "\"") && line.contains("protocol=\"grpc\"")
                    && line.contains("status=\"timeout\""))).singleElement().asString().endsWith(" 1.0");
        } finally {
            channel.shutdownNow();
            LatchModelLoader.forget(held);
        }
    }

    private static ModelInferRequest request(String model, float x) {
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(1).addShape(1).setContents(InferTensorContents.newBuilder().addFp32Contents(x)))
                .build();
    }
}
