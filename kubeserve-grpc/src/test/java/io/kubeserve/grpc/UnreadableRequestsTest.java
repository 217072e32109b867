package io.kubeserve.grpc;

import static io.kubeserve.grpc.Iris.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelMetadataRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request messages grpc-java cannot read, sent as bytes on a real port: each call ends with a status
 * that says why (not grpc-java's UNKNOWN), nothing is logged at WARNING or above, a stream answers
 * what it read before, and the server keeps serving.
 */
class UnreadableRequestsTest {

    private static final int LIMIT = 4096;

    @RegisterExtension
    final LocalServers local = new LocalServers();

    private Iris iris;
    private ManagedChannel channel;
    private final List<LogRecord> warnings = new ArrayList<>();
    private final Logger grpcLogs = Logger.getLogger("io.grpc.internal");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            // grpc-java's own call handling logs there (a failure thrown into a call is SEVERE)
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (warnings) {
                    warnings.add(record);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() {
        grpcLogs.addHandler(capture);
        iris = local.iris();
        channel = local.channel(local.start(local.builder().meters(iris.meters).maxMessageBytes(LIMIT)));
    }

    @AfterEach
    void stopCapture() {
        grpcLogs.removeHandler(capture);
    }

    @Test
    void invalidUtf8InAStringFieldIsInvalidArgument() {
        byte[] request = iris.typedRequest().setModelName("irisQ").build().toByteArray();
        byte[] invalid = replace(request, "irisQ".getBytes(StandardCharsets.US_ASCII),
                new byte[] {'i', 'r', 'i', 's', (byte) 0xff});

        assertThatThrownBy(() -> unary(GRPCInferenceServiceGrpc.getModelInferMethod(), invalid))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                        .startsWith("the ModelInfer request is not a valid protobuf message: ")
                        .contains("UTF-8"));
        // counted as an invalid inference request over gRPC, as a bad body is over REST
        assertThat(iris.meters.find("inference.errors").tag("protocol", "grpc").tag("code", "invalid_input")
                .counter().count()).isEqualTo(1);
        assertServing();
    }

    @Test
    void aTruncatedMessageIsInvalidArgumentOnEveryMethod() {
        byte[] request = iris.typedRequest().build().toByteArray();
        assertThatThrownBy(() -> unary(GRPCInferenceServiceGrpc.getModelInferMethod(),
                Arrays.copyOf(request, request.length - 3)))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                        .startsWith("the ModelInfer request is not a valid protobuf message"));
        // a small method of the same service, and the health service, are guarded as well
        byte[] metadata = ModelMetadataRequest.newBuilder().setName("iris").build().toByteArray();
        assertThatThrownBy(() -> unary(GRPCInferenceServiceGrpc.getModelMetadataMethod(),
                Arrays.copyOf(metadata, metadata.length - 1)))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> unary(HealthGrpc.getCheckMethod(), new byte[] {0x0a, 0x05, 'x'}))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                        .startsWith("the Check request is not a valid protobuf message"));
        // server streaming: the call ends with the status before the method sends anything
        Iterator<byte[]> watch = ClientCalls.blockingServerStreamingCall(channel, RawMessages.of(HealthGrpc.getWatchMethod()),
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), new byte[] {0x0a, 0x05, 'x'});
        assertThatThrownBy(watch::hasNext)
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                        .startsWith("the Watch request is not a valid protobuf message"));
        assertServing();
    }

    @Test
    void aStreamAnswersWhatItReadBeforeAnUnreadableMessageThenEndsWithInvalidArgument() throws Exception {
        RawMessages.Streamed streamed = RawMessages.streamInfer(channel, 20,
                iris.typedRequest().setId("first").build().toByteArray(),
                new byte[] {0x0a, 0x7f, 'i'}, // a model_name of 127 bytes, 1 given
                iris.typedRequest().setId("after").build().toByteArray());

        Status status = streamed.status();
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).startsWith("the ModelStreamInfer request is not a valid protobuf message");
        assertThat(streamed.answers()).singleElement().satisfies(answer -> {
            assertThat(answer.getErrorMessage()).isEmpty();
            assertThat(answer.getInferResponse().getId()).isEqualTo("first");
            assertThat(answer.getInferResponse().getOutputsList()).isNotEmpty();
        });
        assertServing();
    }

    /** grpc-java raises a decompressed message's size in the parse, and answers UNKNOWN by itself. */
    @Test
    void aCompressedMessageOverTheLimitOnceDecompressedIsResourceExhausted() {
        ModelInferRequest request = iris.typedRequest().setId("0".repeat(100_000)).build();
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withCompression("gzip");

        assertThatThrownBy(() -> stub.modelInfer(request))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains(String.valueOf(LIMIT)));
        assertServing();
    }

    /**
     * A status description echoes the client's values; gRPC clients refuse metadata over 8 KiB
     * (grpc-java's default too), so an uncut one would hide the status behind a size error.
     */
    @Test
    void aLongDescriptionIsCutSoTheStatusArrives() {
        String name = "m".repeat(3000);
        ModelInferRequest request = iris.typedRequest().setModelName(name).build();
        assertThat(request.getSerializedSize()).isLessThan(LIMIT);

        assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(request))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                        .startsWith("model 'mmm")
                        .endsWith("more characters cut)")
                        .hasSizeLessThanOrEqualTo(UnreadableRequests.MAX_DESCRIPTION));
        assertServing();
    }

    @Test
    void aCutNeverSplitsACharacter() {
        String text = "a".repeat(UnreadableRequests.MAX_DESCRIPTION - 41) + "\uD83D\uDE00".repeat(400);
        String cut = UnreadableRequests.bounded(Status.NOT_FOUND.withDescription(text)).getDescription();
        assertThat(cut).hasSizeLessThanOrEqualTo(UnreadableRequests.MAX_DESCRIPTION)
                .endsWith("more characters cut)");
        assertThat(cut.codePoints().filter(c -> Character.isSurrogate((char) c) && c <= 0xFFFF)).isEmpty();
        assertThat(UnreadableRequests.bounded(Status.NOT_FOUND.withDescription("short")).getDescription())
                .isEqualTo("short");
    }

    private void assertServing() {
        assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(iris.typedRequest().build())
                .getOutputsList()).isNotEmpty();
        synchronized (warnings) {
            assertThat(warnings).extracting(LogRecord::getMessage).isEmpty();
        }
    }

    private byte[] unary(MethodDescriptor<?, ?> method, byte[] request) {
        return ClientCalls.blockingUnaryCall(channel, RawMessages.of(method),
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
    }

    private static byte[] replace(byte[] in, byte[] what, byte[] with) {
        for (int i = 0; i + what.length <= in.length; i++) {
            if (Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
                byte[] out = in.clone();
                System.arraycopy(with, 0, out, i, with.length);
                return out;
            }
        }
        throw new AssertionError("not found");
    }
}
