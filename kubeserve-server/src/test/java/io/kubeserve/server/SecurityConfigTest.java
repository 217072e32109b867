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

    private static SecurityConfig parse(Map<String, String> env, String... flags) {
        String[] args = new String[flags.length + 2];
        args[0] = "--model-repository";
        args[1] = "/models";
        System.arraycopy(flags, 0, args, 2, flags.length);
        return ServerConfig.parse(args, env).security();
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
        ServerConfig whole = ServerConfig.parse(new String[] {"--model-repository", "/m", "--auth-tokens-file",
                file.toString()}, Map.of("KUBESERVE_ADMIN_TOKEN", "admin-secret-0123456789"));
        assertThat(whole.toString()).doesNotContain(A).doesNotContain("admin-secret").contains("adminToken=set");

        SecurityConfig fromEnv = parse(Map.of("KUBESERVE_AUTH_TOKENS", A + ", " + B, "KUBESERVE_AUTH_METRICS",
                "PROTECTED", "KUBESERVE_RATE_LIMIT", "50", "KUBESERVE_RATE_LIMIT_BURST", "20"));
        assertThat(fromEnv.authTokens()).containsExactly(A, B);
        assertThat(fromEnv.protectMetrics()).isTrue();
        assertThat(fromEnv.rateLimit()).isEqualTo(50);
        assertThat(fromEnv.rateLimitBurst()).isEqualTo(20);
        assertThat(ServerConfig.unknownVariables(Map.of("KUBESERVE_AUTH_TOKENS", A))).isEmpty();
    }

    @Test
    void mistakesAreRefusedWithoutShowingTokens() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\n \n");
        assertThatThrownBy(() -> parse(Map.of(), "--auth-tokens-file", empty.toString()))
                .hasMessageContaining("holds no token");
        assertThatThrownBy(() -> parse(Map.of(), "--auth-tokens-file", dir.resolve("missing").toString()))
                .hasMessageContaining("--auth-tokens-file").hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> parse(Map.of("KUBESERVE_AUTH_TOKENS", A + ",short-secret")))
                .hasMessageContaining("API token #2 is shorter than 16").hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> parse(Map.of(), "--auth-probes", "maybe"))
                .hasMessageContaining("--auth-probes must be open or protected");
        assertThatThrownBy(() -> parse(Map.of(), "--rate-limit", "-1")).hasMessageContaining("--rate-limit must be >= 0");
        assertThatThrownBy(() -> parse(Map.of(), "--tls-cert", "c.pem")).hasMessageContaining("go together");
        assertThatThrownBy(() -> parse(Map.of(), "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-keystore", "s.p12"))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> parse(Map.of(), "--tls-keystore-password-file", "p"))
                .hasMessageContaining("needs --tls-keystore");
        assertThatThrownBy(() -> parse(Map.of(), "--header-timeout", "0")).hasMessageContaining("--header-timeout");
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
        assertThat(ServerConfig.usage()).contains("--auth-tokens-file FILE", "KUBESERVE_RATE_LIMIT", "--tls-keystore",
                "--header-timeout");
    }
}
