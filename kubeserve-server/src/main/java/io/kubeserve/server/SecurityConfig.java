package io.kubeserve.server;

import io.kubeserve.http.tls.TlsContexts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The server's security settings: API tokens, per-client rate limit, TLS, and the timeouts that
 * keep slow clients from holding connections. Part of {@link ServerConfig}, read from the same
 * flags and {@code KUBESERVE_*} variables.
 *
 * @param authTokens        bearer tokens the API accepts; empty: authentication off
 * @param protectProbes     whether probes need a token too
 * @param protectMetrics    whether {@code /metrics} needs a token
 * @param rateLimit         requests a second per client; 0: off
 * @param rateLimitBurst    requests a client may send at once on top of the rate
 * @param tlsCert           PEM certificate chain (with {@code tlsKey}); null: no PEM
 * @param tlsKey            PEM PKCS#8 private key
 * @param tlsKeystore       PKCS12 keystore (instead of PEM); null: none
 * @param tlsKeystorePasswordFile file holding the keystore's password; null: empty password
 * @param headerTimeout     how long a client may take to send a request's headers
 * @param idleTimeout       a connection with no traffic for this long is closed
 */
public record SecurityConfig(List<String> authTokens, boolean protectProbes, boolean protectMetrics, int rateLimit,
                             int rateLimitBurst, Path tlsCert, Path tlsKey, Path tlsKeystore,
                             Path tlsKeystorePasswordFile, Duration headerTimeout, Duration idleTimeout) {

    /** Below this a token is guessable; the same floor as the repository API's admin token. */
    static final int MIN_TOKEN_LENGTH = 16;

    public SecurityConfig {
        authTokens = List.copyOf(authTokens);
        for (String token : authTokens) {
            if (token.length() < MIN_TOKEN_LENGTH) {
                // says which entry, never what it holds
                throw new IllegalArgumentException("API token #" + (authTokens.indexOf(token) + 1) + " is shorter than "
                        + MIN_TOKEN_LENGTH + " characters");
            }
        }
        if (rateLimit < 0) {
            throw new IllegalArgumentException("--rate-limit must be >= 0 (0 turns it off), got " + rateLimit);
        }
        if (rateLimitBurst < 0) {
            throw new IllegalArgumentException("--rate-limit-burst must be >= 0, got " + rateLimitBurst);
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (tlsCert != null && tlsKeystore != null) {
            throw new IllegalArgumentException("use either --tls-cert/--tls-key or --tls-keystore, not both");
        }
        if (tlsKeystorePasswordFile != null && tlsKeystore == null) {
            throw new IllegalArgumentException("--tls-keystore-password-file needs --tls-keystore");
        }
        if (headerTimeout.toMillis() < 1 || idleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("--header-timeout and --idle-timeout must be at least 1 second");
        }
    }

    /** Everything off or open; 10 s to send headers, 120 s idle. */
    public static SecurityConfig defaults() {
        return new SecurityConfig(List.of(), false, false, 0, 0, null, null, null, null, Duration.ofSeconds(10),
                Duration.ofSeconds(120));
    }

    /** From the parsed flag values (flag to value, environment already merged in) and the environment. */
    static SecurityConfig parse(Map<String, String> values, Map<String, String> env) {
        return new SecurityConfig(
                tokens(values.get("--auth-tokens-file"), env.get("KUBESERVE_AUTH_TOKENS")),
                access(values, "--auth-probes"),
                access(values, "--auth-metrics"),
                ServerConfig.integer(values, "--rate-limit", 0),
                ServerConfig.integer(values, "--rate-limit-burst", 0),
                path(values.get("--tls-cert")),
                path(values.get("--tls-key")),
                path(values.get("--tls-keystore")),
                path(values.get("--tls-keystore-password-file")),
                Duration.ofSeconds(ServerConfig.integer(values, "--header-timeout", 10)),
                Duration.ofSeconds(ServerConfig.integer(values, "--idle-timeout", 120)));
    }

    public boolean authEnabled() {
        return !authTokens.isEmpty();
    }

    public boolean tlsEnabled() {
        return tlsCert != null || tlsKeystore != null;
    }

    /** The TLS context to listen with, or null without TLS; files are read now, so mistakes show at start. */
    public SSLContext sslContext() {
        if (tlsCert != null) {
            return TlsContexts.fromPem(tlsCert, tlsKey);
        }
        if (tlsKeystore != null) {
            char[] password = tlsKeystorePasswordFile == null ? new char[0]
                    : read(tlsKeystorePasswordFile, "--tls-keystore-password-file").strip().toCharArray();
            try {
                return TlsContexts.fromPkcs12(tlsKeystore, password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
        return null;
    }

    public SecurityConfig withAuthTokens(List<String> tokens, boolean probes, boolean metrics) {
        return new SecurityConfig(tokens, probes, metrics, rateLimit, rateLimitBurst, tlsCert, tlsKey, tlsKeystore,
                tlsKeystorePasswordFile, headerTimeout, idleTimeout);
    }

    public SecurityConfig withRateLimit(int perSecond, int burst) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, perSecond, burst, tlsCert, tlsKey,
                tlsKeystore, tlsKeystorePasswordFile, headerTimeout, idleTimeout);
    }

    public SecurityConfig withPemTls(Path cert, Path key) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, rateLimit, rateLimitBurst, cert, key,
                null, null, headerTimeout, idleTimeout);
    }

    public SecurityConfig withKeystoreTls(Path keystore, Path passwordFile) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, rateLimit, rateLimitBurst, null, null,
                keystore, passwordFile, headerTimeout, idleTimeout);
    }

    public SecurityConfig withTimeouts(Duration header, Duration idle) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, rateLimit, rateLimitBurst, tlsCert, tlsKey,
                tlsKeystore, tlsKeystorePasswordFile, header, idle);
    }

    /** Shows how many tokens there are, never the tokens. */
    @Override
    public String toString() {
        return "SecurityConfig[authTokens=" + authTokens.size() + ", protectProbes=" + protectProbes
                + ", protectMetrics=" + protectMetrics + ", rateLimit=" + rateLimit
                + ", rateLimitBurst=" + rateLimitBurst
                + ", tlsCert=" + tlsCert + ", tlsKey=" + tlsKey + ", tlsKeystore=" + tlsKeystore
                + ", headerTimeout=" + headerTimeout + ", idleTimeout=" + idleTimeout + "]";
    }

    /** A file (a mounted Secret) wins over the variable; never a flag value, which {@code ps} shows. */
    private static List<String> tokens(String file, String fromEnvironment) {
        String text;
        String separator;
        if (file != null) {
            text = read(Path.of(file), "--auth-tokens-file");
            separator = "\\R";
        } else if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            text = fromEnvironment;
            separator = ",";
        } else {
            return List.of();
        }
        List<String> tokens = Arrays.stream(text.split(separator)).map(String::strip).filter(t -> !t.isEmpty())
                .distinct().toList();
        if (tokens.isEmpty()) {
            // fail closed: whoever set this meant to turn authentication on
            throw new IllegalArgumentException((file != null ? "--auth-tokens-file " + file : "KUBESERVE_AUTH_TOKENS")
                    + " holds no token");
        }
        return tokens;
    }

    private static boolean access(Map<String, String> values, String flag) {
        String value = values.getOrDefault(flag, "open").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "open" -> false;
            case "protected" -> true;
            default -> throw new IllegalArgumentException(flag + " must be open or protected, got '" + value + "'");
        };
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }

    private static String read(Path file, String flag) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e.getMessage());
        }
    }
}
