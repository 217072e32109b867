package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keepalive policy on a real port, with a bare HTTP/2 client that pings an idle connection
 * back to back: grpc-java's default sends it away on the third ping, {@code permitKeepAlive} lets
 * it ping, and only with {@code withoutCalls} while no call is open.
 */
class KeepAlivePolicyTest {

    /** HTTP/2's ENHANCE_YOUR_CALM error code (RFC 9113 section 7). */
    private static final int ENHANCE_YOUR_CALM = 0xb;
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path tempDir;

    private Iris iris;
    private ExecutorService executor;
    private final List<KubeServeGrpc> servers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        iris = new Iris(tempDir);
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() {
        servers.forEach(KubeServeGrpc::close);
        executor.shutdownNow();
        iris.close();
    }

    @Test
    void byDefaultAClientPingingAnIdleConnectionIsSentAwayOnItsThirdPing() throws Exception {
        KubeServeGrpc server = start(KubeServeGrpc.builder(iris.registry).executor(executor));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            List<Http2Peer.Frame> answers = pingBackToBack(peer, 3);
            assertThat(answers).hasSize(4);
            assertThat(answers.subList(0, 3)).allMatch(Http2Peer.Frame::isPingAck);
            Http2Peer.Frame goAway = answers.get(3);
            assertThat(goAway.type()).isEqualTo(Http2Peer.GOAWAY);
            assertThat(goAway.goAwayError()).isEqualTo(ENHANCE_YOUR_CALM);
            assertThat(goAway.goAwayDebugData()).isEqualTo("too_many_pings");
            assertThat(peer.next(WAIT)).as("the connection is closed after the GOAWAY").isNull();
        }
    }

    @Test
    void aPermittedClientMayPingAnIdleConnectionAsOftenAsItLikes() throws Exception {
        KubeServeGrpc server = start(KubeServeGrpc.builder(iris.registry).executor(executor)
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
        KubeServeGrpc server = start(KubeServeGrpc.builder(iris.registry).executor(executor)
                .permitKeepAlive(Duration.ZERO, false));
        try (Http2Peer peer = Http2Peer.connect(server.port())) {
            List<Http2Peer.Frame> answers = pingBackToBack(peer, 3);
            assertThat(answers.get(answers.size() - 1).goAwayDebugData()).isEqualTo("too_many_pings");
        }
    }

    @Test
    void theBuilderRefusesKeepaliveTimesGrpcJavaWouldChange() {
        KubeServeGrpc.Builder builder = KubeServeGrpc.builder(iris.registry);
        assertThatThrownBy(() -> builder.keepAlive(Duration.ofSeconds(9), Duration.ofSeconds(20)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the keepalive time must be at least 10 s, got PT9S");
        assertThatThrownBy(() -> builder.keepAlive(Duration.ofSeconds(10), Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the keepalive timeout must be at least 10 ms, got PT0.005S");
        assertThatThrownBy(() -> builder.permitKeepAlive(Duration.ofSeconds(-1), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the permitted keepalive interval must not be negative, got PT-1S");
        builder.keepAlive(Duration.ofSeconds(10), Duration.ofMillis(10)).permitKeepAlive(Duration.ZERO, true);
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

    private KubeServeGrpc start(KubeServeGrpc.Builder builder) {
        KubeServeGrpc server = builder.build().start("127.0.0.1", 0);
        servers.add(server);
        return server;
    }
}
