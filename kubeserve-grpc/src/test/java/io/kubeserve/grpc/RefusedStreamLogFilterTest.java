package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Only the refused stream of a GOAWAY race leaves the log; every other record of the handler stays. */
class RefusedStreamLogFilterTest {

    @Test
    void dropsARefusedStreamAndKeepsEveryOtherRecord() throws Exception {
        // the name is the real class of grpc-java that logs "Stream Error"
        assertThat(Class.forName(RefusedStreamLogFilter.SERVER_HANDLER_CLASS)).isNotNull();
        Logger handler = Logger.getLogger(RefusedStreamLogFilter.SERVER_HANDLER_CLASS);
        RefusedStreamLogFilter.install();
        RefusedStreamLogFilter.install();
        assertThat(handler.getFilter()).isInstanceOf(RefusedStreamLogFilter.class);

        assertThat(handler.getFilter().isLoggable(streamError(Http2Error.REFUSED_STREAM))).isFalse();
        assertThat(handler.getFilter().isLoggable(streamError(Http2Error.PROTOCOL_ERROR))).isTrue();
        assertThat(handler.getFilter().isLoggable(streamError(Http2Error.CANCEL))).isTrue();
        LogRecord plain = new LogRecord(Level.WARNING, "Connection Error");
        plain.setThrown(new IllegalStateException("boom"));
        assertThat(handler.getFilter().isLoggable(plain)).isTrue();
    }

    private static LogRecord streamError(Http2Error error) {
        LogRecord record = new LogRecord(Level.WARNING, "Stream Error");
        record.setThrown(Http2Exception.streamError(1597, error, "Cannot create stream %d", 1597));
        return record;
    }
}
