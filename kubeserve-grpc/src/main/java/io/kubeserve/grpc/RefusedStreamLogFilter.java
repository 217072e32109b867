package io.kubeserve.grpc;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps one expected event out of the log: a call the server refused because it came after the
 * connection's GOAWAY. A client that starts a call while the server's GOAWAY is on its way
 * (a connection past its age, an idle one, a drain) gets the stream reset with
 * {@code REFUSED_STREAM} (RFC 9113, section 8.7: the request was not processed) and retries it on a
 * new connection by itself. grpc-java logs each such reset as a WARNING "Stream Error" with a stack
 * trace of Netty's {@code StreamException}; this filter lowers those records to FINE (DEBUG through
 * the SLF4J bridge) and leaves every other one as it is, so a real stream error still shows. The
 * standalone server sets no limit on concurrent calls, so a GOAWAY is its only cause of
 * {@code REFUSED_STREAM}.
 *
 * <p>Installed once on grpc-java's {@code NettyServerHandler} logger ({@link #install}); a filter
 * set there before is kept and asked too. Thread-safe.
 */
final class RefusedStreamLogFilter implements Filter {

    /** grpc-java's server handler (package-private there), whose logger writes the record. */
    static final String SERVER_HANDLER_CLASS = "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler";
    /** The logger, held here: java.util.logging holds its loggers weakly, and it would lose the filter. */
    private static final Logger SERVER_HANDLER = Logger.getLogger(SERVER_HANDLER_CLASS);

    private final Filter before;

    RefusedStreamLogFilter(Filter before) {
        this.before = before;
    }

    /** Puts the filter on grpc-java's server handler logger, once. */
    static synchronized void install() {
        Filter current = SERVER_HANDLER.getFilter();
        if (!(current instanceof RefusedStreamLogFilter)) {
            SERVER_HANDLER.setFilter(new RefusedStreamLogFilter(current));
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getThrown() instanceof Http2Exception.StreamException stream
                && stream.error() == Http2Error.REFUSED_STREAM) {
            // still there for whoever turns the logger's debug level on
            record.setLevel(Level.FINE);
        }
        return before == null || before.isLoggable(record);
    }
}
