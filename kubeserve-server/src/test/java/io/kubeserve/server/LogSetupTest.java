package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import ch.qos.logback.classic.util.LogbackMDCAdapter;

class LogSetupTest {

    private final PrintStream originalOut = System.out;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.clearProperty(LogSetup.FORMAT_PROPERTY);
        System.clearProperty("logback.configurationFile");
    }

    /** A fresh context set up by LogSetup, writing into {@link #captured}; logs two lines, with and without a request id. */
    private String logTwoLines(String format) {
        if (format != null) {
            System.setProperty(LogSetup.FORMAT_PROPERTY, format);
        }
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = new LoggerContext();
        // the process's logback context has its own MDC; this one gets a private one, as logback's provider does
        context.setMDCAdapter(new LogbackMDCAdapter());
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        org.slf4j.Logger log = context.getLogger("io.kubeserve.Example");
        context.getMDCAdapter().put("request_id", "req-7");
        log.info("served {}", "iris");
        context.getMDCAdapter().remove("request_id");
        log.info("no request here");
        context.getLogger("ai.djl.Engine").info("below the library level: not written");
        context.getLogger("ai.djl.util.cuda.CudaUtils").warn("a CPU node's GPU probe: not written");
        context.stop();
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** The process's own context (LogSetup set it up): a java.util.logging record comes out in the same format. */
    @Test
    void javaUtilLoggingComesOutInTheServersFormat() {
        org.slf4j.LoggerFactory.getLogger(LogSetupTest.class).debug("the process's logging is set up");
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("io.grpc.netty.Example");
        jul.warning("a library's warning");
        jul.fine("below INFO: not written");
        assertThat(jul.isLoggable(java.util.logging.Level.FINE)).as("JUL's INFO, the same as logback's root").isFalse();

        assertThat(captured.toString(StandardCharsets.UTF_8)).matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{3} WARN  \\["
                + java.util.regex.Pattern.quote(Thread.currentThread().getName()) + "\\] Example - a library's warning\n");
    }

    @Test
    void textIsOneLinePerEventWithTheRequestIdOnlyWhenThereIsOne() {
        String[] lines = logTwoLines(null).split("\n");
        String thread = Thread.currentThread().getName();

        assertThat(lines).hasSize(2);
        assertThat(lines[0]).matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  \\[" + thread + "\\] Example - \\[req-7\\] served iris");
        assertThat(lines[1]).matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  \\[" + thread + "\\] Example - no request here");
    }

    @Test
    void jsonIsOneObjectPerLineWithTheMessageAndTheRequestId() throws Exception {
        String[] lines = logTwoLines("json").split("\n");

        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("loggerName").asText()).isEqualTo("io.kubeserve.Example");
        assertThat(first.path("formattedMessage").asText()).isEqualTo("served iris");
        assertThat(first.path("mdc").path("request_id").asText()).isEqualTo("req-7");
        assertThat(new ObjectMapper().readTree(lines[1]).path("formattedMessage").asText()).isEqualTo("no request here");
    }

    @Test
    void aUsersOwnConfigurationFileWins() {
        System.setProperty("logback.configurationFile", "my-logback.xml");
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);

        assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        assertThat(context.getLogger("ai.djl").getLevel()).isNotEqualTo(Level.WARN);
    }
}
