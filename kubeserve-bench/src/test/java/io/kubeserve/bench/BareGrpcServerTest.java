package io.kubeserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link BareGrpcServer}'s service, called by a generated Open Inference Protocol stub as h2load's
 * requests are: whatever ModelInfer request comes, the answer is the message it was given, which a
 * protobuf client reads as the real server's response.
 */
class BareGrpcServerTest {

    @Test
    void everyModelInferCallGetsTheGivenMessage() throws Exception {
        ModelInferResponse given = ModelInferResponse.newBuilder().setModelName("iris").setModelVersion("1")
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("label").setDatatype("INT64")
                        .addShape(1).setContents(InferTensorContents.newBuilder().addInt64Contents(0)))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(BareGrpcServer.service(given.toByteArray())).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            for (float x : new float[] {1f, 2f}) {
                ModelInferResponse answer = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("iris")
                        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("float_input")
                                .setDatatype("FP32").addShape(1).addShape(1)
                                .setContents(InferTensorContents.newBuilder().addFp32Contents(x)))
                        .build());
                assertThat(answer).isEqualTo(given);
            }
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
