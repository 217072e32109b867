package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void flagsWinOverEnvironmentAndDefaultsFillTheRest() {
        ServerConfig config = ServerConfig.parse(new String[] {"--model-repository", "/models", "--port=9000"},
                Map.of("KUBESERVE_PORT", "7000", "KUBESERVE_DEFAULT_MODEL", "iris", "KUBESERVE_MAX_BODY_SIZE", "512k"));
        assertThat(config.modelRepository()).isEqualTo("/models");
        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.defaultModel()).isEqualTo("iris");
        assertThat(config.maxBodyBytes()).isEqualTo(512 * 1024);
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.logFormat()).isEqualTo("text");
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(20));
        // no request waits on a worker (it waits in its model's queue): one per core, two on one core
        assertThat(config.effectiveWorkerThreads()).isEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
        assertThat(config.effectiveWorkerThreads()).isGreaterThanOrEqualTo(2);
        assertThat(ServerConfig.parse(new String[] {"--model-repository", "/models", "--worker-threads", "3"}, Map.of())
                .effectiveWorkerThreads()).isEqualTo(3);
        assertThat(ServerConfig.parse(new String[] {"--model-repository", "/models"}, Map.of("KUBESERVE_WORKER_THREADS", "5"))
                .effectiveWorkerThreads()).isEqualTo(5);
    }

    @Test
    void mistakesNameTheFlag() {
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {}, Map.of()))
                .hasMessageContaining("--model-repository");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--model-repository", "m", "--port", "http"}, Map.of()))
                .hasMessage("--port must be a whole number, got 'http'");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--model-repository", "m", "--port", "70000"}, Map.of()))
                .hasMessageContaining("--port must be between 0 and 65535");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--model-repository", "m", "--max-body-size", "lots"},
                Map.of())).hasMessageContaining("--max-body-size must be a size");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--model-repository", "m", "--log-format", "xml"},
                Map.of())).hasMessageContaining("--log-format must be text or json");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--modle-repository", "m"}, Map.of()))
                .hasMessageContaining("unknown option '--modle-repository'");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--model-repository"}, Map.of()))
                .hasMessageContaining("--model-repository needs a value");
    }

    @Test
    void unknownVariablesAreReportedForAWarning() {
        assertThat(ServerConfig.unknownVariables(Map.of("KUBESERVE_PROT", "1", "KUBESERVE_PORT", "1", "HOME", "/")))
                .containsExactly("KUBESERVE_PROT");
    }

    @Test
    void helpListsEveryFlagWithItsVariable() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Main.serve(new String[] {"--help"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--model-repository DIR", "KUBESERVE_MODEL_REPOSITORY",
                "--max-body-size", "KUBESERVE_DRAIN_TIMEOUT", "manifests");
    }

    @Test
    void badUsageExitsWithStatusTwoAndAMessage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.serve(new String[] {"--port", "x"}, Map.of(), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("kubeserve: ", "--help");
    }
}
