package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security flags and variables: defaults, tokens from a file or the environment, clear mistakes. */
class SecurityConfigTest {

    private static final String A = "token-a-0123456789abcdef";
    private static final String B = "token-b-0123456789abcdef";

    @TempDir
    Path dir;

    private static String[] withRepository(String... flags) {
        String[] args = new String[flags.length + 2];
        args[0] = "--model-repository";
        args[1] = "/models";
        System.arraycopy(flags, 0, args, 2, flags.length);
        return args;
    }

    private static SecurityConfig parse(Map<String, String> env, String... flags) {
        return CliRun.serve(env, withRepository(flags)).security();
    }

    /** Standard error of a refused command line (status 2). */
    private static String refused(Map<String, String> env, String... flags) {
        return CliRun.usageError(env, withRepository(flags));
    }

    @Test
    void defaultsAreOffAndOpen() {
        SecurityConfig security = parse(Map.of());
        assertThat(security.authEnabled()).isFalse();
        assertThat(security.protectProbes()).isFalse();
        assertThat(security.protectMetrics()).isFalse();
        assertThat(security.rateLimit()).isZero();
        assertThat(security.tlsEnabled()).isFalse();
        assertThat(security.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(security.idleTimeout()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void tokensComeFromAFileOneALineOrFromTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("tokens"), A + "\n\n  " + B + "  \r\n" + A + "\n");
        SecurityConfig fromFile = parse(Map.of("KUBESERVE_AUTH_TOKENS", "ignored-when-a-file-is-given"),
                "--auth-tokens-file", file.toString(), "--auth-probes", "protected", "--auth-metrics=open");
        assertThat(fromFile.authTokens()).containsExactly(A, B);
        assertThat(fromFile.protectProbes()).isTrue();
        assertThat(fromFile.protectMetrics()).isFalse();
        assertThat(fromFile.toString()).doesNotContain(A).doesNotContain(B).contains("authTokens=2");
        ServerConfig whole = CliRun.serve(Map.of("KUBESERVE_ADMIN_TOKEN", "admin-secret-0123456789"),
                "--model-repository", "/m", "--auth-tokens-file", file.toString());
        assertThat(whole.toString()).doesNotContain(A).doesNotContain("admin-secret").contains("adminToken=set");

        SecurityConfig fromEnv = parse(Map.of("KUBESERVE_AUTH_TOKENS", A + ", " + B, "KUBESERVE_AUTH_METRICS",
                "PROTECTED", "KUBESERVE_RATE_LIMIT", "50", "KUBESERVE_RATE_LIMIT_BURST", "20"));
        assertThat(fromEnv.authTokens()).containsExactly(A, B);
        assertThat(fromEnv.protectMetrics()).isTrue();
        assertThat(fromEnv.rateLimit()).isEqualTo(50);
        assertThat(fromEnv.rateLimitBurst()).isEqualTo(20);
        assertThat(CliRun.run(Map.of("KUBESERVE_AUTH_TOKENS", A), withRepository()).unknownVariables()).isEmpty();
    }

    @Test
    void mistakesAreRefusedWithoutShowingTokens() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\n \n");
        assertThat(refused(Map.of(), "--auth-tokens-file", empty.toString())).contains("holds no token");
        assertThat(refused(Map.of(), "--auth-tokens-file", dir.resolve("missing").toString()))
                .contains("--auth-tokens-file").contains("cannot be read");
        assertThat(refused(Map.of("KUBESERVE_AUTH_TOKENS", A + ",short-secret")))
                .contains("API token #2 is shorter than 16").doesNotContain("short-secret");
        assertThat(refused(Map.of(), "--auth-probes", "maybe"))
                .contains("'--auth-probes'", "must be open or protected, got 'maybe'");
        assertThat(refused(Map.of(), "--rate-limit", "-1")).contains("--rate-limit must be >= 0");
        assertThat(refused(Map.of(), "--tls-cert", "c.pem")).contains("go together");
        assertThat(refused(Map.of(), "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-keystore", "s.p12"))
                .contains("not both");
        assertThat(refused(Map.of(), "--tls-keystore-password-file", "p")).contains("needs --tls-keystore");
        assertThat(refused(Map.of(), "--header-timeout", "0")).contains("--header-timeout");
    }

    @Test
    void theRecordRefusesTheSameMistakesWhenBuiltInCode() {
        SecurityConfig defaults = SecurityConfig.defaults();
        assertThatThrownBy(() -> defaults.withAuthTokens(java.util.List.of(A, "short-secret"), false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("API token #2")
                .hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> defaults.withRateLimit(10, -1)).hasMessageContaining("--rate-limit-burst");
        assertThatThrownBy(() -> defaults.withPemTls(Path.of("c.pem"), null)).hasMessageContaining("go together");
        assertThatThrownBy(() -> defaults.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("at least 1 second");
        assertThat(defaults.withKeystoreTls(Path.of("s.p12"), null).tlsEnabled()).isTrue();
    }

    @Test
    void tlsAndTimeoutFlagsAreRead() {
        SecurityConfig pem = parse(Map.of("KUBESERVE_TLS_CERT", "/tls/tls.crt"), "--tls-key", "/tls/tls.key",
                "--header-timeout", "3", "--idle-timeout", "60");
        assertThat(pem.tlsEnabled()).isTrue();
        assertThat(pem.tlsCert()).isEqualTo(Path.of("/tls/tls.crt"));
        assertThat(pem.tlsKey()).isEqualTo(Path.of("/tls/tls.key"));
        assertThat(pem.headerTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(pem.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(CliRun.run(Map.of(), "serve", "--help").out()).contains("--auth-tokens-file=FILE",
                "KUBESERVE_RATE_LIMIT", "--tls-keystore", "--header-timeout");
    }
}
