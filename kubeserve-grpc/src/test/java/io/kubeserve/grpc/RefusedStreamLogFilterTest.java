package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Only the refused stream of a GOAWAY race is lowered to FINE; every other record of the handler stays. */
class RefusedStreamLogFilterTest {

    @Test
    void lowersARefusedStreamToFineAndLeavesEveryOtherRecord() throws Exception {
        // the name is the real class of grpc-java that logs "Stream Error"
        assertThat(Class.forName(RefusedStreamLogFilter.SERVER_HANDLER_CLASS)).isNotNull();
        RefusedStreamLogFilter filter = new RefusedStreamLogFilter(null);

        LogRecord refused = streamError(Http2Error.REFUSED_STREAM);
        filter.isLoggable(refused);
        assertThat(refused.getLevel()).isEqualTo(Level.FINE);
        for (Http2Error other : new Http2Error[] {Http2Error.PROTOCOL_ERROR, Http2Error.CANCEL}) {
            LogRecord record = streamError(other);
            assertThat(filter.isLoggable(record)).isTrue();
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
        }
        LogRecord plain = new LogRecord(Level.WARNING, "Connection Error");
        plain.setThrown(new IllegalStateException("boom"));
        assertThat(filter.isLoggable(plain)).isTrue();
        assertThat(plain.getLevel()).isEqualTo(Level.WARNING);
    }

    @Test
    void aFilterSetBeforeIsStillAsked() {
        RefusedStreamLogFilter filter = new RefusedStreamLogFilter(record -> !record.getMessage().contains("secret"));
        assertThat(filter.isLoggable(new LogRecord(Level.WARNING, "a secret"))).isFalse();
        assertThat(filter.isLoggable(new LogRecord(Level.WARNING, "Stream Error"))).isTrue();
    }

    private static LogRecord streamError(Http2Error error) {
        LogRecord record = new LogRecord(Level.WARNING, "Stream Error");
        record.setThrown(Http2Exception.streamError(1597, error, "Cannot create stream %d", 1597));
        return record;
    }
}
