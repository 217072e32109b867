package io.kubeserve.grpc;

import static io.kubeserve.grpc.Iris.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.RepositoryIndexRequest;
import io.kubeserve.grpc.v2.RepositoryModelUnloadRequest;
import io.kubeserve.grpc.v2.ServerMetadataRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter on a real Netty port: the message size limit and a graceful drain. */
class NettyTransportTest {

    @TempDir
    Path tempDir;

    private Iris iris;
    private ExecutorService executor;
    private KubeServeGrpc grpc;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        iris = new Iris(tempDir);
        executor = Executors.newFixedThreadPool(4);
        grpc = KubeServeGrpc.builder(iris.registry).executor(executor).meters(iris.meters)
                .maxMessageBytes(4096).build().start(0);
        channel = NettyChannelBuilder.forAddress("localhost", grpc.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        grpc.close();
        executor.shutdownNow();
        iris.close();
    }

    @Test
    void anOversizedMessageIsRefusedAndTheServerStaysHealthy() {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        ModelInferRequest big = ModelInferRequest.newBuilder().setModelName("iris")
                .addInputs(iris.input().setShape(0, 400).setContents(InferTensorContents.newBuilder()
                        .addAllFp32Contents(Collections.nCopies(1600, 1f)))).build();
        assertThat(big.getSerializedSize()).isGreaterThan(4096);
        assertThatThrownBy(() -> stub.modelInfer(big))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("4096"));

        assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        ModelInferResponse small = stub.modelInfer(iris.typedRequest().build());
        assertThat(small.getOutputsList()).isNotEmpty();
    }

    @Test
    void theRepositoryApiIsRefusedWhenOffAndSaysHowToTurnItOn() {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        for (Runnable call : List.<Runnable>of(
                () -> stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()),
                () -> stub.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("iris").build()))) {
            assertThatThrownBy(call::run)
                    .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                            .contains("--model-control-mode explicit", "admin token"));
        }
        // nothing was unloaded
        assertThat(stub.modelInfer(iris.typedRequest().build()).getOutputsList()).isNotEmpty();
        // and the server does not claim the extension it refuses
        assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
                .containsExactly("statistics");
    }

    @Test
    void drainLetsEveryCallInFlightFinish() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub = GRPCInferenceServiceGrpc.newFutureStub(channel);
        // the first answer proves the connection is up before the batch goes out
        stub.modelInfer(iris.rawRequest().build()).get(30, TimeUnit.SECONDS);
        List<ListenableFuture<ModelInferResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(stub.modelInfer(iris.rawRequest().setId("d" + i).build()));
        }
        assertThat(grpc.drain(Duration.ofSeconds(60))).isTrue();
        assertThat(grpc.ready()).isFalse();
        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).get(30, TimeUnit.SECONDS).getId()).isEqualTo("d" + i);
        }
        assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .modelInfer(iris.typedRequest().build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
