package io.kubeserve.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log event of this JVM from {@link #start()} until {@link #close()}, for tests that check
 * what the server says (and never says: tokens). Thread-safe: the server logs from its own threads
 * while the test reads.
 */
final class LogCapture implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    private LogCapture() {
        events.start();
        root.addAppender(events);
    }

    /** Starts capturing at the root logger. */
    static LogCapture start() {
        return new LogCapture();
    }

    /**
     * What was logged so far, each event as its message and its MDC.
     *
     * @return a copy, in logging order
     */
    List<String> lines() {
        synchronized (events) { // the appender appends holding its own lock
            return events.list.stream().map(event -> event.getFormattedMessage() + " " + event.getMDCPropertyMap())
                    .toList();
        }
    }

    @Override
    public void close() {
        root.detachAppender(events);
    }
}
