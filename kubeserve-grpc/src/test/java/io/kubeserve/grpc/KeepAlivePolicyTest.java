package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The keepalive policy on a real port, with a bare HTTP/2 client that pings back to back, on an
 * idle connection or with a {@code ModelStreamInfer} call open: grpc-java's default sends it away on
 * the third early ping since the server last sent headers or data, {@code permitKeepAlive} lets it
 * ping, and only with {@code withoutCalls} while no call is open.
 */
class KeepAlivePolicyTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String STREAM_INFER = GRPCInferenceServiceGrpc.SERVICE_NAME + "/ModelStreamInfer";

    @RegisterExtension
    final LocalServers local = new LocalServers();

    @Test
    void byDefaultAClientPingingAnIdleConnectionIsSentAwayOnItsThirdPing() throws Exception {
        KubeServeGrpc server = local.start(local.builder());
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            assertSentAwayOnThirdPing(pingBackToBack(peer, 3));
            assertThat(peer.next(WAIT)).as("the connection is closed after the GOAWAY").isNull();
        }
    }

    @Test
    void aPermittedClientMayPingAnIdleConnectionAsOftenAsItLikes() throws Exception {
        KubeServeGrpc server = local.start(local.builder()
                .permitKeepAlive(Duration.ZERO, true));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            List<Http2Peer.Frame> answers = pingBackToBack(peer, 10);
            assertThat(answers).hasSize(10).allMatch(Http2Peer.Frame::isPingAck);
            assertThat(answers).extracting(Http2Peer.Frame::pingData)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        }
    }

    @Test
    void anyRateStillMeansWithACallOpenUnlessPingsWithoutCallsArePermitted() throws Exception {
        KubeServeGrpc server = local.start(local.builder()
                .permitKeepAlive(Duration.ZERO, false));
        try (Http2Peer idle = Http2Peer.connect(server.port()); Http2Peer calling = Http2Peer.connect(server.port())) {
            assertSentAwayOnThirdPing(pingBackToBack(idle, 3));
            calling.openCall(1, STREAM_INFER);
            List<Http2Peer.Frame> answers = pingBackToBack(calling, 10);
            assertThat(answers).hasSize(10).allMatch(Http2Peer.Frame::isPingAck);
        }
    }

    @Test
    void byDefaultACallOpenDoesNotPermitFrequentPingsButEachAnswerStartsTheCountAgain() throws Exception {
        KubeServeGrpc server = local.start(local.builder());
        try (Http2Peer sentAway = Http2Peer.connect(server.port());
             Http2Peer answered = Http2Peer.connect(server.port())) {
            sentAway.openCall(1, STREAM_INFER);
            assertSentAwayOnThirdPing(pingBackToBack(sentAway, 3));

            answered.openCall(1, STREAM_INFER);
            for (int round = 0; round < 3; round++) {
                assertThat(pingBackToBack(answered, 2)).as("round %d", round).hasSize(2)
                        .allMatch(Http2Peer.Frame::isPingAck);
                // an answer on the stream (HEADERS, then DATA) sets the strikes back to none
                answered.sendMessage(1, local.iris().typedRequest().setId("r" + round).build().toByteArray());
                awaitData(answered);
            }
        }
    }

    @Test
    void theBuilderRefusesKeepaliveTimesGrpcJavaWouldChange() {
        KubeServeGrpc.Builder builder = KubeServeGrpc.builder(local.iris().registry);
        assertThatThrownBy(() -> builder.keepAlive(Duration.ofSeconds(9), Duration.ofSeconds(20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the keepalive time must be at least 10 s, got PT9S");
        assertThatThrownBy(() -> builder.keepAlive(Duration.ofSeconds(10), Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the keepalive timeout must be at least 10 ms, got PT0.005S");
        assertThatThrownBy(() -> builder.permitKeepAlive(Duration.ofSeconds(-1), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the permitted keepalive interval must not be negative, got PT-1S");
        builder.keepAlive(Duration.ofSeconds(10), Duration.ofMillis(10)).permitKeepAlive(Duration.ZERO, true);
    }

    @Test
    void timesBeyondWhatNanosecondsHoldDoNotOverflow() throws Exception {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        KubeServeGrpc server = local.start(local.builder()
                .keepAlive(forever, forever).permitKeepAlive(forever, true).maxConnectionAge(forever, forever)
                .handshakeTimeout(forever));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            assertThat(pingBackToBack(peer, 1)).hasSize(1).allMatch(Http2Peer.Frame::isPingAck);
        }
    }

    /** Three ACKs, then GOAWAY ENHANCE_YOUR_CALM {@code too_many_pings}. */
    private static void assertSentAwayOnThirdPing(List<Http2Peer.Frame> answers) {
        assertThat(answers).hasSize(4);
        assertThat(answers.subList(0, 3)).allMatch(Http2Peer.Frame::isPingAck);
        Http2Peer.Frame goAway = answers.get(3);
        assertThat(goAway.type()).isEqualTo(Http2Peer.GOAWAY);
        assertThat(goAway.goAwayError()).isEqualTo(Http2Peer.ENHANCE_YOUR_CALM);
        assertThat(goAway.goAwayDebugData()).isEqualTo("too_many_pings");
    }

    /** Reads up to the answer's DATA frame, answering the server's own pings on the way (flow control). */
    private static void awaitData(Http2Peer peer) throws Exception {
        for (Http2Peer.Frame frame = peer.next(WAIT); frame.type() != Http2Peer.DATA; frame = peer.next(WAIT)) {
            assertThat(frame).as("the connection is open").isNotNull();
            assertThat(frame.type()).isIn(Http2Peer.HEADERS, Http2Peer.PING);
            if (frame.isPingRequest()) {
                peer.answer(frame);
            }
        }
    }

    /**
     * Sends {@code pings} PINGs, each once the one before is answered, and returns what came back:
     * an ACK for each, and a GOAWAY if the server sent the peer away (then it stops).
     */
    private static List<Http2Peer.Frame> pingBackToBack(Http2Peer peer, int pings) throws Exception {
        List<Http2Peer.Frame> answers = new ArrayList<>();
        for (long i = 0; i < pings; i++) {
            peer.ping(i);
            Http2Peer.Frame frame = peer.next(WAIT);
            answers.add(frame);
            if (frame == null || frame.type() == Http2Peer.GOAWAY) {
                return answers;
            }
        }
        // a GOAWAY for the last ping comes right after its ACK
        try {
            Http2Peer.Frame after = peer.next(Duration.ofMillis(300));
            if (after != null) {
                answers.add(after);
            }
        } catch (java.net.SocketTimeoutException nothingMore) {
            // the server said nothing more: the peer may go on
        }
        return answers;
    }
}
