package io.kubeserve.server;

import io.kubeserve.http.tls.TlsContexts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * The server's security settings: API tokens, per-client rate limit, TLS, and the timeouts that
 * keep slow clients from holding connections. Part of {@link ServerConfig}; the {@code serve} command
 * binds it from the same flags and {@code KUBESERVE_*} variables (reading token files there). An
 * immutable, validated value, safe to share between threads.
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
 * @param headerTimeout     how long a client may take to send a request's headers (HTTP), or to start a
 *                          connection (gRPC: its TLS handshake and HTTP/2 preface)
 * @param idleTimeout       an HTTP connection with no traffic for this long is closed
 */
public record SecurityConfig(List<String> authTokens, boolean protectProbes, boolean protectMetrics, int rateLimit,
                             int rateLimitBurst, Path tlsCert, Path tlsKey, Path tlsKeystore,
                             Path tlsKeystorePasswordFile, Duration headerTimeout, Duration idleTimeout) {

    /** Below this a token is guessable; the same floor as the repository API's admin token. */
    static final int MIN_TOKEN_LENGTH = 16;

    /**
     * Copies the token list and checks every rule; messages name the flag and never show a token.
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
     * @param headerTimeout     how long a client may take to send a request's headers (HTTP), or to start a
     *                          connection (gRPC: its TLS handshake and HTTP/2 preface)
     * @param idleTimeout       an HTTP connection with no traffic for this long is closed
     * @throws IllegalArgumentException for a token under 16 characters (named by its position), a
     *                                  negative rate or burst, a TLS certificate without key or the other
     *                                  way round, PEM and keystore together, a keystore password file
     *                                  without keystore, or a timeout under 1 ms
     * @throws NullPointerException     when authTokens, headerTimeout or idleTimeout is null
     */
    public SecurityConfig {
        authTokens = List.copyOf(authTokens);
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
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

    /**
     * Everything off or open; 10 s to send headers, 120 s idle.
     *
     * @return the default settings
     */
    public static SecurityConfig defaults() {
        return new SecurityConfig(List.of(), false, false, 0, 0, null, null, null, null, Duration.ofSeconds(10),
                Duration.ofSeconds(120));
    }

    /**
     * Whether the API asks for a bearer token.
     *
     * @return true when there is at least one token
     */
    public boolean authEnabled() {
        return !authTokens.isEmpty();
    }

    /**
     * Whether the server listens with TLS.
     *
     * @return true with a PEM pair or a keystore
     */
    public boolean tlsEnabled() {
        return tlsCert != null || tlsKeystore != null;
    }

    /**
     * The TLS context to listen with; files are read now, so mistakes show at start.
     *
     * @return a new context, or null without TLS
     * @throws IllegalArgumentException when the keystore password file cannot be read
     * @throws RuntimeException         from {@link TlsContexts} when a certificate, key or keystore is
     *                                  unreadable or invalid
     */
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

    /**
     * A copy with other API tokens.
     *
     * @param tokens  bearer tokens, each at least 16 characters; empty turns authentication off
     * @param probes  whether probes need a token too
     * @param metrics whether {@code /metrics} needs a token
     * @return the changed copy
     * @throws IllegalArgumentException for a short token
     */
    public SecurityConfig withAuthTokens(List<String> tokens, boolean probes, boolean metrics) {
        return new SecurityConfig(tokens, probes, metrics, rateLimit, rateLimitBurst, tlsCert, tlsKey, tlsKeystore,
                tlsKeystorePasswordFile, headerTimeout, idleTimeout);
    }

    /**
     * A copy with another per-client rate limit.
     *
     * @param perSecond requests a second per client; 0 turns the limit off
     * @param burst     requests a client may send at once on top of the rate, at least 0
     * @return the changed copy
     * @throws IllegalArgumentException for negative values
     */
    public SecurityConfig withRateLimit(int perSecond, int burst) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, perSecond, burst, tlsCert, tlsKey,
                tlsKeystore, tlsKeystorePasswordFile, headerTimeout, idleTimeout);
    }

    /**
     * A copy that serves TLS from PEM files (and drops any keystore).
     *
     * @param cert PEM certificate chain
     * @param key  PEM PKCS#8 private key, RSA or EC
     * @return the changed copy
     * @throws IllegalArgumentException when only one of the two is given
     */
    public SecurityConfig withPemTls(Path cert, Path key) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, rateLimit, rateLimitBurst, cert, key,
                null, null, headerTimeout, idleTimeout);
    }

    /**
     * A copy that serves TLS from a PKCS12 keystore (and drops any PEM pair).
     *
     * @param keystore     the PKCS12 file
     * @param passwordFile file holding its password; null: empty password
     * @return the changed copy
     */
    public SecurityConfig withKeystoreTls(Path keystore, Path passwordFile) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, rateLimit, rateLimitBurst, null, null,
                keystore, passwordFile, headerTimeout, idleTimeout);
    }

    /**
     * A copy with other connection timeouts.
     *
     * @param header time a client gets to send a request's headers, at least 1 ms
     * @param idle   a connection silent this long is closed, at least 1 ms
     * @return the changed copy
     * @throws IllegalArgumentException for shorter timeouts
     */
    public SecurityConfig withTimeouts(Duration header, Duration idle) {
        return new SecurityConfig(authTokens, protectProbes, protectMetrics, rateLimit, rateLimitBurst, tlsCert, tlsKey,
                tlsKeystore, tlsKeystorePasswordFile, header, idle);
    }

    /**
     * Shows how many tokens there are, never the tokens.
     *
     * @return the settings, without secrets
     */
    @Override
    public String toString() {
        return "SecurityConfig[authTokens=" + authTokens.size() + ", protectProbes=" + protectProbes
                + ", protectMetrics=" + protectMetrics + ", rateLimit=" + rateLimit
                + ", rateLimitBurst=" + rateLimitBurst
                + ", tlsCert=" + tlsCert + ", tlsKey=" + tlsKey + ", tlsKeystore=" + tlsKeystore
                + ", headerTimeout=" + headerTimeout + ", idleTimeout=" + idleTimeout + "]";
    }

    private static String read(Path file, String flag) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e.getMessage());
        }
    }
}
