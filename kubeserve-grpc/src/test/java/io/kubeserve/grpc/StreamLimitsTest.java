package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one connection may hold and do: the calls open at once (HTTP/2's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}) and the streams reset in a window (HTTP/2 "Rapid
 * Reset"), on a real port, with a bare HTTP/2 client that ignores the limits as an attacker would and
 * with grpc-java's client, which keeps to them.
 */
class StreamLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String INFER = GRPCInferenceServiceGrpc.SERVICE_NAME + "/ModelInfer";
    private static final String STREAM_INFER = GRPCInferenceServiceGrpc.SERVICE_NAME + "/ModelStreamInfer";

    @RegisterExtension
    final LocalServers local = new LocalServers();

    @Test
    void byDefaultAConnectionHoldsOneHundredCallsAndTheNextStreamIsRefused() throws Exception {
        KubeServeGrpc server = local.start(local.builder());
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            peer.ping(0);
            assertThat(peer.next(WAIT).isPingAck()).isTrue();
            assertThat(peer.serverSetting(Http2Peer.SETTINGS_MAX_CONCURRENT_STREAMS)).isEqualTo(100L);
            for (int call = 0; call < 101; call++) {
                peer.openCall(2 * call + 1, STREAM_INFER);
            }
            Http2Peer.Frame refused = peer.next(WAIT);
            assertThat(refused.type()).isEqualTo(Http2Peer.RST_STREAM);
            assertThat(refused.stream()).as("the 101st call's stream").isEqualTo(201);
            assertThat(refused.resetError()).isEqualTo(Http2Peer.REFUSED_STREAM);
            // the hundred open calls still work: the first and the last answer a request
            for (int stream : new int[] {1, 199}) {
                peer.sendMessage(stream, local.iris().typedRequest().setId("s" + stream).build().toByteArray());
                assertThat(awaitData(peer).stream()).isEqualTo(stream);
            }
        }
    }

    @Test
    void aGrpcClientHoldsTheCallsBeyondTheLimitUntilAnOpenOneEnds() throws Exception {
        KubeServeGrpc server = local.start(local.builder()
                .maxConcurrentCallsPerConnection(2));
        ManagedChannel channel = local.channel(server);
        // one call first: the client has then read the server's SETTINGS and knows the limit before it
        // opens the streams. Opened before, they race the SETTINGS (HTTP/2 lets a client assume no
        // limit until then), and in one CI run the first stream went unanswered for 30 s (not explained)
        GRPCInferenceServiceGrpc.newBlockingStub(channel).serverLive(ServerLiveRequest.getDefaultInstance());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(channel);
        List<BlockingQueue<Object>> answers = new ArrayList<>();
        List<StreamObserver<ModelInferRequest>> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
            answers.add(queue);
            streams.add(stub.modelStreamInfer(LocalServers.collectInto(queue)));
            streams.get(i).onNext(local.iris().typedRequest().setId("stream" + i).build());
        }
        assertAnswered(answers.get(0).poll(30, TimeUnit.SECONDS), "stream0");
        assertAnswered(answers.get(1).poll(30, TimeUnit.SECONDS), "stream1");
        assertThat(answers.get(2).poll(500, TimeUnit.MILLISECONDS)).as("the third stream waits in the client").isNull();
        streams.get(0).onCompleted();
        assertThat(answers.get(0).poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
        assertAnswered(answers.get(2).poll(30, TimeUnit.SECONDS), "stream2");
        streams.get(1).onCompleted();
        streams.get(2).onCompleted();
        assertThat(answers.get(1).poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
        assertThat(answers.get(2).poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
    }

    @Test
    void aClientResettingMoreStreamsThanTheLimitIsSentAwayAndOthersAreServed() throws Exception {
        KubeServeGrpc server = local.start(local.builder()
                .maxResetStreams(10, Duration.ofSeconds(60)));
        try (Http2Peer attacker = Http2Peer.connect(server.port()); Http2Peer other = Http2Peer.connect(server.port())) {
            openAndReset(attacker, 1, 10);
            assertStillConnected(attacker);
            openAndReset(attacker, 21, 1);
            assertSentAwayForResets(attacker);

            other.openCall(1, STREAM_INFER);
            other.sendMessage(1, local.iris().typedRequest().build().toByteArray());
            assertThat(awaitData(other).stream()).as("another connection is served").isEqualTo(1);
        }
    }

    @Test
    void aGrpcClientsOpenCallsFailWithResourceExhaustedWhenItsConnectionIsSentAway() throws Exception {
        KubeServeGrpc server = local.start(local.builder().maxResetStreams(3, Duration.ofSeconds(60)));
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(local.channel(server));
        BlockingQueue<Object> kept = new LinkedBlockingQueue<>();
        StreamObserver<ModelInferRequest> keptStream = stub.modelStreamInfer(LocalServers.collectInto(kept));
        keptStream.onNext(local.iris().typedRequest().setId("kept").build());
        assertAnswered(kept.poll(30, TimeUnit.SECONDS), "kept");
        // four streams on the same connection, each answered once and then cancelled: four RST_STREAMs
        for (int i = 0; i < 4; i++) {
            BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
            ClientCallStreamObserver<ModelInferRequest> cancelled = (ClientCallStreamObserver<ModelInferRequest>)
                    stub.modelStreamInfer(LocalServers.collectInto(answers));
            cancelled.onNext(local.iris().typedRequest().setId("c" + i).build());
            assertAnswered(answers.poll(30, TimeUnit.SECONDS), "c" + i);
            cancelled.cancel("the test cancels it", null);
        }
        Object failure = kept.poll(30, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(Throwable.class);
        Status status = Status.fromThrowable((Throwable) failure);
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains("ENHANCE_YOUR_CALM", "too_many_rststreams");
    }

    @Test
    void theCountStartsAgainOnceTheWindowHasPassed() throws Exception {
        KubeServeGrpc server = local.start(local.builder().maxResetStreams(3, Duration.ofSeconds(1)));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            openAndReset(peer, 1, 3);
            assertStillConnected(peer);
            Thread.sleep(1200); // the 1-s window that began when the connection opened passes
            openAndReset(peer, 7, 3);
            assertStillConnected(peer);
            openAndReset(peer, 13, 1);
            assertSentAwayForResets(peer);
        }
    }

    @Test
    void byDefaultAThousandResetsInTenSecondsAreToleratedAndTheNextSendsTheClientAway() throws Exception {
        KubeServeGrpc server = local.start(local.builder());
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            openAndReset(peer, 1, 1000);
            assertStillConnected(peer);
            openAndReset(peer, 2001, 1);
            assertSentAwayForResets(peer);
        }
    }

    @Test
    void streamsRefusedBeyondTheConcurrencyLimitCountAsResets() throws Exception {
        KubeServeGrpc server = local.start(local.builder()
                .maxConcurrentCallsPerConnection(1).maxResetStreams(3, Duration.ofSeconds(60)));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            peer.openCall(1, STREAM_INFER);
            List<Http2Peer.Frame> frames = new ArrayList<>();
            for (int stream = 3; stream <= 9; stream += 2) {
                peer.openCall(stream, STREAM_INFER);
            }
            for (Http2Peer.Frame frame = peer.next(WAIT); frame != null; frame = peer.next(WAIT)) {
                frames.add(frame);
            }
            assertThat(frames).hasSizeGreaterThanOrEqualTo(4);
            assertThat(frames.subList(0, 3)).allSatisfy(frame -> {
                assertThat(frame.type()).isEqualTo(Http2Peer.RST_STREAM);
                assertThat(frame.resetError()).isEqualTo(Http2Peer.REFUSED_STREAM);
            });
            Http2Peer.Frame goAway = frames.stream().filter(frame -> frame.type() == Http2Peer.GOAWAY).findFirst()
                    .orElseThrow();
            assertThat(goAway.goAwayError()).isEqualTo(Http2Peer.ENHANCE_YOUR_CALM);
            assertThat(goAway.goAwayDebugData()).isEqualTo("too_many_rststreams");
        }
    }

    @Test
    void withoutAResetLimitAConnectionResetsAsOftenAsItLikes() throws Exception {
        KubeServeGrpc server = local.start(local.builder()
                .maxResetStreams(0, Duration.ofSeconds(1)));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            openAndReset(peer, 1, 2000);
            assertStillConnected(peer);
            peer.openCall(4001, STREAM_INFER);
            peer.sendMessage(4001, local.iris().typedRequest().build().toByteArray());
            assertThat(awaitData(peer).stream()).isEqualTo(4001);
        }
    }

    @Test
    void theBuilderRefusesLimitsGrpcJavaCannotApply() {
        KubeServeGrpc.Builder builder = KubeServeGrpc.builder(local.iris().registry);
        assertThatThrownBy(() -> builder.maxConcurrentCallsPerConnection(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the concurrent calls per connection must be at least 1, got 0");
        assertThatThrownBy(() -> builder.maxResetStreams(-1, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the resets per window must be 0 (no limit) or more, got -1");
        for (Duration window : List.of(Duration.ZERO, Duration.ofMillis(1500), Duration.ofSeconds(1L << 31))) {
            assertThatThrownBy(() -> builder.maxResetStreams(10, window)).as("window %s", window)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the reset window must be whole seconds, at least 1 s, got " + window);
        }
        builder.maxConcurrentCallsPerConnection(1).maxResetStreams(1, Duration.ofSeconds(1));
    }

    /** Opens {@code count} ModelInfer calls from stream {@code first} on, resetting each (CANCEL) at once. */
    private static void openAndReset(Http2Peer peer, int first, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            int stream = first + 2 * i;
            peer.openCall(stream, INFER);
            peer.reset(stream, Http2Peer.CANCEL);
        }
    }

    /** A ping answered: the server has read every frame before it and kept the connection. */
    private static void assertStillConnected(Http2Peer peer) throws Exception {
        peer.ping(42);
        Http2Peer.Frame answer = peer.next(WAIT);
        assertThat(answer).as("the connection is open").isNotNull();
        assertThat(answer.isPingAck()).as("frame type %d", answer.type()).isTrue();
    }

    /** GOAWAY ENHANCE_YOUR_CALM {@code too_many_rststreams}, then the end of the connection. */
    private static void assertSentAwayForResets(Http2Peer peer) throws Exception {
        Http2Peer.Frame goAway = peer.next(WAIT);
        assertThat(goAway).isNotNull();
        assertThat(goAway.type()).isEqualTo(Http2Peer.GOAWAY);
        assertThat(goAway.goAwayError()).isEqualTo(Http2Peer.ENHANCE_YOUR_CALM);
        assertThat(goAway.goAwayDebugData()).isEqualTo("too_many_rststreams");
        assertThat(peer.next(WAIT)).as("the connection is closed after the GOAWAY").isNull();
    }

    /** Reads up to an answer's DATA frame; HEADERS may come first. */
    private static Http2Peer.Frame awaitData(Http2Peer peer) throws Exception {
        for (Http2Peer.Frame frame = peer.next(WAIT); ; frame = peer.next(WAIT)) {
            assertThat(frame).as("the connection is open").isNotNull();
            if (frame.type() == Http2Peer.DATA) {
                return frame;
            }
            assertThat(frame.type()).isIn(Http2Peer.HEADERS, Http2Peer.PING);
        }
    }

    private void assertAnswered(Object answer, String id) {
        assertThat(answer).isInstanceOf(ModelStreamInferResponse.class);
        ModelStreamInferResponse response = (ModelStreamInferResponse) answer;
        assertThat(response.getErrorMessage()).isEmpty();
        assertThat(response.getInferResponse().getId()).isEqualTo(id);
        assertThat(response.getInferResponse().getOutputsCount()).isPositive();
    }
}
