package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kubeserve.core.spi.Scheduler;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC calls against a model's queue, with its engine held ({@link LatchModelLoader}): a client's
 * deadline reaches the queue (a call waiting past it gets DEADLINE_EXCEEDED, leaves the queue at once
 * and never runs, so a model that was slow for a while does not then spend its time on answers nobody
 * waits for), a call or stream its client cancels leaves the queue at once too, and a full queue
 * refuses at once with RESOURCE_EXHAUSTED, as REST answers 503.
 */
class GrpcQueueTest {

    /** Generous: the machines are shared, and a state that is reached is reached long before. */
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @TempDir
    Path repo;

    /** A server with one latch model {@code name} and a gRPC channel to it; closing stops both. */
    private final class Held implements AutoCloseable {
        final String name;
        final LatchModelLoader.Gate gate;
        final RunningServer server;
        final ManagedChannel channel;
        final Scheduler scheduler;
        /** The call {@link #occupy} holds in the engine. */
        ListenableFuture<ModelInferResponse> running;

        Held(String name, String config) throws Exception {
            this.name = name;
            Files.createDirectories(repo.resolve(name + "/1"));
            Files.writeString(repo.resolve(name + "/1/model.latch"), "");
            Files.writeString(repo.resolve(name + "/config.json"), config);
            gate = LatchModelLoader.gate(name);
            int grpcPort = TestTools.freePort();
            server = new RunningServer(ServerConfig.defaults(repo).withGrpcPort(grpcPort));
            channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            scheduler = server.server.registry().model(name).scheduler().orElseThrow();
        }

        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async() {
            return GRPCInferenceServiceGrpc.newFutureStub(channel).withDeadlineAfter(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }

        ModelInferRequest request(float x) {
            return ModelInferRequest.newBuilder().setModelName(name)
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                            .addShape(1).addShape(1).setContents(InferTensorContents.newBuilder().addFp32Contents(x)))
                    .build();
        }

        /** Calls with 1 and waits until the engine holds that call: the model's one instance is busy. */
        void occupy() {
            running = async().modelInfer(request(1f));
            await().atMost(PATIENCE).until(() -> gate.entered() == 1);
        }

        /** Lets the held call finish and makes one more (3): the engine must have run those two only. */
        void releaseAndCheckOnlyTheNextCallRan() throws Exception {
            gate.open();
            assertThat(running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).getOutputsList()).isNotEmpty();
            async().modelInfer(request(3f)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(gate.ran()).containsExactly(1f, 3f);
        }

        /** inference_requests_total of this model over gRPC with {@code status}; 0 when absent. */
        long count(String status) {
            return server.get("/metrics").body().lines().filter(line -> line.startsWith("inference_requests_total{")
                            && line.contains("model=\"" + name + "\"") && line.contains("protocol=\"grpc\"")
                            && line.contains("status=\"" + status + "\""))
                    .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        }

        @Override
        public void close() {
            channel.shutdownNow();
            LatchModelLoader.forget(name);
            server.close();
        }
    }

    @Test
    void aCallQueuedPastItsDeadlineIsDroppedUnrun() throws Exception {
        try (Held held = new Held("deadline_held", "{\"instance_group\": [{\"count\": 1}]}")) {
            // the engine holds the first call
            held.occupy();

            // the second waits in the queue behind it until its 300 ms are up
            var impatient = GRPCInferenceServiceGrpc.newBlockingStub(held.channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> impatient.modelInfer(held.request(2f)))
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            await().atMost(PATIENCE).until(() -> held.scheduler.queueDepth() == 0);

            // a call after it runs, the expired one never did
            held.releaseAndCheckOnlyTheNextCallRan();
            // and it counts as a timeout of the model over gRPC
            assertThat(held.count("timeout")).isEqualTo(1);
        }
    }

    @Test
    void aCallItsClientCancelsLeavesTheQueueAtOnceAndNeverRuns() throws Exception {
        try (Held held = new Held("cancel_held", "{\"instance_group\": [{\"count\": 1}]}")) {
            held.occupy();
            ListenableFuture<ModelInferResponse> queued = held.async().modelInfer(held.request(2f));
            await().atMost(PATIENCE).until(() -> held.scheduler.queueDepth() == 1);

            // the client gives up: grpc-java resets the stream (RST_STREAM CANCEL)
            queued.cancel(true);
            await().atMost(PATIENCE).until(() -> held.scheduler.queueDepth() == 0);

            held.releaseAndCheckOnlyTheNextCallRan();
            assertThat(held.count("cancelled")).isEqualTo(1);
        }
    }

    @Test
    void aStreamItsClientAbandonsTakesItsQueuedRequestsWithIt() throws Exception {
        try (Held held = new Held("stream_cancel_held", "{\"instance_group\": [{\"count\": 1}]}")) {
            held.occupy();
            List<ModelStreamInferResponse> answers = new CopyOnWriteArrayList<>();
            StreamObserver<ModelInferRequest> stream = GRPCInferenceServiceGrpc.newStub(held.channel)
                    .modelStreamInfer(new StreamObserver<>() {
                        @Override
                        public void onNext(ModelStreamInferResponse answer) {
                            answers.add(answer);
                        }

                        @Override
                        public void onError(Throwable failure) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            stream.onNext(held.request(2f));
            stream.onNext(held.request(4f));
            await().atMost(PATIENCE).until(() -> held.scheduler.queueDepth() == 2);

            // a client-side error cancels the call
            stream.onError(new IllegalStateException("the client gives up"));
            await().atMost(PATIENCE).until(() -> held.scheduler.queueDepth() == 0);

            held.releaseAndCheckOnlyTheNextCallRan();
            assertThat(answers).isEmpty();
            assertThat(held.count("cancelled")).isEqualTo(2);
        }
    }

    @Test
    void aFullQueueRefusesAtOnceWithResourceExhaustedAndWhatWaitedCompletes() throws Exception {
        try (Held held = new Held("full_held", "{\"instance_group\": [{\"count\": 1}], \"max_queue_size\": 1}")) {
            held.occupy();
            ListenableFuture<ModelInferResponse> queued = held.async().modelInfer(held.request(2f));
            await().atMost(PATIENCE).until(() -> held.scheduler.queueDepth() == 1);

            assertThatThrownBy(() -> held.async().modelInfer(held.request(3f)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .satisfies(e -> {
                        Status status = Status.fromThrowable(e);
                        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(status.getDescription()).contains("overloaded", "queue of 1");
                    });

            held.gate.open();
            assertThat(held.running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).getOutputsList()).isNotEmpty();
            assertThat(queued.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).getOutputsList()).isNotEmpty();
            assertThat(held.gate.ran()).containsExactly(1f, 2f);
        }
    }
}
