package io.kubeserve.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The server's logging, set up in code: logback finds this class with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/ch.qos.logback.classic.spi.Configurator}) before it looks for XML, so a
 * start pays for no XML parsing (about a tenth of a second of CPU on a cold JVM, measured with a
 * start-up profile). One appender, standard output; {@code ai.djl}, {@code org.xnio} and
 * {@code io.undertow} at WARN, the rest at INFO. What libraries write to {@code java.util.logging}
 * (grpc-java, ONNX Runtime's Java API) comes through the same appender and format, not as JUL's own
 * two-line records. JUL keeps its own default level, INFO, the same as the root's here, so a FINE
 * record costs JUL nothing; no logback listener copies levels into JUL (logback's
 * {@code LevelChangePropagator} cost about 16 ms of a one-core start, and none of the loggers set
 * to WARN here writes to JUL).
 *
 * <p>Two formats, chosen by the system property {@value #FORMAT_PROPERTY} that {@link Main} sets
 * from {@code --log-format} before the first logger exists: {@code text} (one readable line per
 * event, with the request id of the request a line was written for) and {@code json} (one JSON
 * object per line, the MDC included). A user's own configuration still wins: with
 * {@code -Dlogback.configurationFile=...} this class steps aside and logback reads that file.
 *
 * <p>Created and called by logback, once per logger context.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

    /** The system property that picks the format: {@code text} (default) or {@code json}. */
    public static final String FORMAT_PROPERTY = "kubeserve.log.format";

    /** The text format's pattern: time, level, thread, logger, the request id when there is one, message. */
    static final String TEXT_PATTERN =
            "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %replace([%X{request_id}] ){'^\\[\\] $', ''}%msg%n";

    /** Called by logback's service loading. */
    public LogSetup() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Encoder<ILoggingEvent> encoder = "json".equals(System.getProperty(FORMAT_PROPERTY)) ? json(context) : text(context);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder);
        console.start();
        context.getLogger("ai.djl").setLevel(Level.WARN);
        // DJL's GPU probe warns on every CPU-only node ("CUDA driver version is insufficient"); a
        // GPU a model asks for and does not get fails that model's load in our words instead
        context.getLogger("ai.djl.util.cuda.CudaUtils").setLevel(Level.ERROR);
        context.getLogger("org.xnio").setLevel(Level.WARN);
        context.getLogger("io.undertow").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static Encoder<ILoggingEvent> text(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(TEXT_PATTERN);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> json(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithFormattedMessage(true);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithContext(false);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.start();
        return encoder;
    }
}
