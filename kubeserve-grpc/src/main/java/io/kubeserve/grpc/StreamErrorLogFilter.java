package io.kubeserve.grpc;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps two expected stream events out of the log. grpc-java logs every HTTP/2 stream error as a
 * WARNING "Stream Error" with the stack trace of Netty's {@code StreamException}; this filter lowers
 * these two to FINE (DEBUG through the SLF4J bridge) and leaves every other record as it is, so a
 * real stream error still shows:
 *
 * <ul>
 *   <li><b>A stream refused with {@code REFUSED_STREAM}</b> (RFC 9113, section 8.7: the request was
 *       not processed, a client may retry it): a call started after the connection's GOAWAY (a
 *       connection past its age, an idle one, a drain), or beyond the connection's limit of
 *       concurrent calls. A well-behaved client retries the first on a new connection by itself
 *       and never causes the second; a misbehaving one must not fill the log either.
 *   <li><b>An answer dropped because its stream closed before it was sent.</b> An answer waits in
 *       Netty's outbound flow control while the peer's HTTP/2 window is full or the connection's
 *       write is pending; when the stream closes first (the client closed the connection or reset
 *       the call, as a load generator stopping or a client timing out does; or the server closed
 *       the connection: a keepalive timeout, a drain), Netty drops each queued frame (the rest of
 *       the message, the trailers) with a {@code STREAM_CLOSED} error "Stream closed before write
 *       could take place", so up to two records a call. The call is cancelled as usual. Only that
 *       error, raised when the flow controller hears the stream closed, is lowered: the same error
 *       for a frame written after the stream's own end (a writer's bug), and a
 *       {@code STREAM_CLOSED} from anywhere else (a frame on a closed stream, a client's protocol
 *       error), stay a WARNING.
 * </ul>
 *
 * <p>Installed once on grpc-java's {@code NettyServerHandler} logger ({@link #install}); a filter
 * set there before is kept and asked too. Thread-safe.
 */
final class StreamErrorLogFilter implements Filter {

    /** grpc-java's server handler (package-private there), whose logger writes the record. */
    static final String SERVER_HANDLER_CLASS = "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler";
    /** The logger, held here: java.util.logging holds its loggers weakly, and it would lose the filter. */
    private static final Logger SERVER_HANDLER = Logger.getLogger(SERVER_HANDLER_CLASS);
    /** Netty's outbound flow control, and its inner classes (the stream's state raises the error). */
    private static final String FLOW_CONTROLLER = DefaultHttp2RemoteFlowController.class.getName();

    private final Filter before;

    StreamErrorLogFilter(Filter before) {
        this.before = before;
    }

    /** Puts the filter on grpc-java's server handler logger, once. */
    static synchronized void install() {
        Filter current = SERVER_HANDLER.getFilter();
        if (!(current instanceof StreamErrorLogFilter)) {
            SERVER_HANDLER.setFilter(new StreamErrorLogFilter(current));
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getThrown() instanceof Http2Exception.StreamException stream && expected(stream)) {
            // still there for whoever turns the logger's debug level on
            record.setLevel(Level.FINE);
        }
        return before == null || before.isLoggable(record);
    }

    private static boolean expected(Http2Exception.StreamException stream) {
        if (stream.error() == Http2Error.REFUSED_STREAM) {
            return true;
        }
        if (stream.error() != Http2Error.STREAM_CLOSED) {
            return false;
        }
        // Netty raises it from the flow controller's stream listener (Http2Exception.streamError,
        // then the stream state's cancel, then onStreamClosed): look at the first few frames only
        StackTraceElement[] frames = stream.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 4); i++) {
            if (frames[i].getClassName().startsWith(FLOW_CONTROLLER)
                    && frames[i].getMethodName().equals("onStreamClosed")) {
                return true;
            }
        }
        return false;
    }
}
