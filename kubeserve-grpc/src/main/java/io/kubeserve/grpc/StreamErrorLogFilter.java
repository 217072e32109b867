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
 *   <li><b>A call refused after the connection's GOAWAY.</b> A client that starts a call while the
 *       server's GOAWAY is on its way (a connection past its age, an idle one, a drain) gets the
 *       stream reset with {@code REFUSED_STREAM} (RFC 9113, section 8.7: the request was not
 *       processed) and retries it on a new connection by itself. The standalone server sets no
 *       limit on concurrent calls, so a GOAWAY is its only cause of {@code REFUSED_STREAM}.
 *   <li><b>An answer whose client went away before it was sent.</b> An answer waits in Netty's
 *       outbound flow control while the client's HTTP/2 window is full or the connection's write
 *       is pending; when the stream closes first (the client closed the connection or reset the
 *       call, as a load generator stopping or a client timing out does), Netty drops the answer with a
 *       {@code STREAM_CLOSED} error "Stream closed before write could take place". The call is
 *       cancelled as usual. Before this filter, a client that closed a connection with 64 calls
 *       in flight left 64 stack traces in the server's log. Only that error of the flow controller
 *       is lowered: a {@code STREAM_CLOSED} from anywhere else (a frame on a closed stream, a
 *       client's protocol error) stays a WARNING.
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
        // Netty raises it in the flow controller's own frames (Http2Exception.streamError, then the
        // stream state's cancel): look at the first few only
        StackTraceElement[] frames = stream.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 4); i++) {
            if (frames[i].getClassName().startsWith(FLOW_CONTROLLER)) {
                return true;
            }
        }
        return false;
    }
}
