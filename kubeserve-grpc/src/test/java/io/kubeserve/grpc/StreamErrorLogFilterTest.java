package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Connection;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Stream;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Only the two expected stream errors are lowered to FINE (a call refused after a GOAWAY, an answer
 * dropped because its stream closed first); every other record of grpc-java's server handler stays.
 */
class StreamErrorLogFilterTest {

    private static final String STREAM_INFER = GRPCInferenceServiceGrpc.SERVICE_NAME + "/ModelStreamInfer";

    @RegisterExtension
    final LocalServers local = new LocalServers();

    @Test
    void lowersARefusedStreamToFineAndLeavesOtherErrors() throws Exception {
        // the name is the real class of grpc-java that logs "Stream Error"
        assertThat(Class.forName(StreamErrorLogFilter.SERVER_HANDLER_CLASS)).isNotNull();
        assertThat(levelAfterFilter(streamError(Http2Error.REFUSED_STREAM))).isEqualTo(Level.FINE);
        // STREAM_CLOSED raised anywhere but in the flow controller (here: this test) stays
        for (Http2Error other : new Http2Error[] {
                Http2Error.PROTOCOL_ERROR, Http2Error.CANCEL, Http2Error.STREAM_CLOSED}) {
            assertThat(levelAfterFilter(streamError(other))).as(other.name()).isEqualTo(Level.WARNING);
        }
        assertThat(levelAfterFilter(new IllegalStateException("boom"))).isEqualTo(Level.WARNING);
    }

    @Test
    void lowersTheErrorOfNettysFlowControllerForAnAnswerWhoseStreamClosedFirst() {
        Throwable dropped = dropQueuedAnswer(Http2Stream::close);

        assertThat(dropped).isInstanceOf(Http2Exception.StreamException.class);
        assertThat(((Http2Exception) dropped).error()).isEqualTo(Http2Error.STREAM_CLOSED);
        assertThat(levelAfterFilter(dropped)).isEqualTo(Level.FINE);
    }

    @Test
    void keepsTheSameErrorForAFrameQueuedAfterTheStreamsOwnEnd() {
        // Netty's guard against a writer that queues a frame after its own END_STREAM: a bug, not a
        // client leaving
        Throwable dropped = dropQueuedAnswer(Http2Stream::closeLocalSide);

        assertThat(((Http2Exception) dropped).error()).isEqualTo(Http2Error.STREAM_CLOSED);
        assertThat(levelAfterFilter(dropped)).isEqualTo(Level.WARNING);
    }

    /** Queues an answer in Netty's own flow controller on an open stream, ends the stream with {@code end}. */
    private static Throwable dropQueuedAnswer(Consumer<Http2Stream> end) {
        Http2Connection connection = new DefaultHttp2Connection(true);
        DefaultHttp2RemoteFlowController flow = new DefaultHttp2RemoteFlowController(connection);
        connection.remote().flowController(flow);
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        try {
            flow.channelHandlerContext(channel.pipeline().firstContext());
            Http2Stream stream = connection.remote().createStream(1, false);
            AtomicReference<Throwable> dropped = new AtomicReference<>();
            flow.addFlowControlled(stream, new QueuedAnswer(dropped));
            end.accept(stream);
            assertThat(dropped.get()).as("the queued answer was dropped").isNotNull();
            return dropped.get();
        } catch (Http2Exception e) {
            throw new AssertionError(e);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aClientThatClosesItsConnectionBeforeItsAnswerIsSentLeavesNoWarning() throws Exception {
        KubeServeGrpc server = local.start(local.builder());
        Logger logger = Logger.getLogger(StreamErrorLogFilter.SERVER_HANDLER_CLASS);
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        logger.addHandler(capture);
        try {
            // a window of 10 bytes: the server sends the answer's first 10 bytes, and the rest waits in
            // Netty's flow control (the peer never opens the window further)
            try (Http2Peer peer = Http2Peer.connect(server.port(), 10)) {
                peer.openCall(1, STREAM_INFER);
                peer.sendMessage(1, local.iris().typedRequest().setId("held").build().toByteArray());
                Http2Peer.Frame frame = peer.next(Duration.ofSeconds(30));
                // before it: grpc-java's flow-control PING, the answer's HEADERS
                while (frame != null && frame.type() != Http2Peer.DATA) {
                    assertThat(frame.type()).isIn(Http2Peer.PING, Http2Peer.HEADERS);
                    frame = peer.next(Duration.ofSeconds(30));
                }
                assertThat(frame).as("the connection is open").isNotNull();
                assertThat(frame.stream()).isEqualTo(1);
                assertThat(frame.payload()).as("the part of the answer the window allows").hasSize(10);
            }
            // the connection closed with the rest of the answer unsent: Netty drops it with STREAM_CLOSED
            await().atMost(Duration.ofSeconds(30)).until(() -> records.stream().anyMatch(r ->
                    r.getThrown() instanceof Http2Exception.StreamException e
                            && e.error() == Http2Error.STREAM_CLOSED));
            assertThat(records).allSatisfy(r -> assertThat(r.getLevel()).as(r.getMessage()).isEqualTo(Level.FINE));
        } finally {
            logger.removeHandler(capture);
        }
        // and the server answers the next client
        ModelInferResponse answer = GRPCInferenceServiceGrpc.newBlockingStub(local.channel(server))
                .modelInfer(local.iris().typedRequest().setId("after").build());
        assertThat(answer.getId()).isEqualTo("after");
    }

    @Test
    void aFilterSetBeforeIsStillAsked() {
        StreamErrorLogFilter filter = new StreamErrorLogFilter(record -> !record.getMessage().contains("secret"));
        assertThat(filter.isLoggable(new LogRecord(Level.WARNING, "a secret"))).isFalse();
        assertThat(filter.isLoggable(new LogRecord(Level.WARNING, "Stream Error"))).isTrue();
    }

    private static Http2Exception streamError(Http2Error error) {
        return Http2Exception.streamError(1597, error, "Cannot create stream %d", 1597);
    }

    /**
     * The level of a WARNING "Stream Error" record of {@code thrown} once the filter has seen it; the
     * filter always lets it through (a lowered record is still there at FINE).
     */
    private static Level levelAfterFilter(Throwable thrown) {
        LogRecord record = new LogRecord(Level.WARNING, "Stream Error");
        record.setThrown(thrown);
        assertThat(new StreamErrorLogFilter(null).isLoggable(record)).isTrue();
        return record.getLevel();
    }

    /** An answer's DATA as Netty's flow controller holds it; only its dropping is of interest. */
    private static final class QueuedAnswer implements Http2RemoteFlowController.FlowControlled {
        private final AtomicReference<Throwable> dropped;

        QueuedAnswer(AtomicReference<Throwable> dropped) {
            this.dropped = dropped;
        }

        @Override
        public int size() {
            return 100;
        }

        @Override
        public void error(ChannelHandlerContext ctx, Throwable cause) {
            dropped.set(cause);
        }

        @Override
        public void writeComplete() {
        }

        @Override
        public void write(ChannelHandlerContext ctx, int allowedBytes) {
        }

        @Override
        public boolean merge(ChannelHandlerContext ctx, Http2RemoteFlowController.FlowControlled next) {
            return false;
        }
    }
}
