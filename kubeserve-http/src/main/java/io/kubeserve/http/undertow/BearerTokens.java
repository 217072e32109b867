package io.kubeserve.http.undertow;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.List;

/**
 * A fixed set of bearer tokens, kept only as SHA-256 digests, and the constant-time check of a
 * presented token against them. Shared by the API's authentication and the repository API's
 * admin token so both compare the same way.
 *
 * <p>Why digests: comparing fixed-length digests makes the time independent of where the first
 * differing character is and of the secret's length, and every configured token is compared
 * without an early exit, so timing reveals neither which token nearly matched nor how many there are.
 *
 * <p>Immutable and thread-safe: one instance serves every I/O thread.
 */
public final class BearerTokens {

    private final List<byte[]> digests;

    private BearerTokens(List<byte[]> digests) {
        this.digests = digests;
    }

    /**
     * The tokens' digests; the tokens themselves are not kept.
     *
     * @param tokens the accepted tokens, compared as UTF-8 bytes, case-sensitive
     * @return the set
     * @throws IllegalArgumentException when there is no token
     */
    public static BearerTokens of(Collection<String> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("at least one token is needed");
        }
        return new BearerTokens(tokens.stream().map(BearerTokens::sha256).toList());
    }

    /**
     * How many tokens the set holds, for logs.
     *
     * @return one or more
     */
    public int size() {
        return digests.size();
    }

    /**
     * Whether the token is one of the set; always looks at every configured token, in time that
     * does not depend on which one matched or how much of it.
     *
     * @param presented the token a client sent, without the {@code Bearer } prefix; may be null
     * @return true when it equals one of the tokens
     */
    public boolean matches(String presented) {
        return presented != null && matchesDigest(sha256(presented));
    }

    /**
     * Like {@link #matches} for a token already hashed with {@link #sha256}.
     *
     * @param presentedDigest the SHA-256 digest of the presented token, 32 bytes
     * @return true when it equals one of the tokens' digests
     */
    public boolean matchesDigest(byte[] presentedDigest) {
        boolean found = false;
        for (byte[] digest : digests) {
            // non-short-circuit OR: the loop's duration does not depend on which one matched
            found |= MessageDigest.isEqual(digest, presentedDigest);
        }
        return found;
    }

    /**
     * The token of an {@code Authorization: Bearer ...} header (RFC 6750, section 2.1; the scheme
     * name is matched case-insensitively).
     *
     * @param exchange the request; only its first {@code Authorization} header is read
     * @return the token, trimmed, or null when there is no bearer header or it is empty
     */
    public static String presented(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    /**
     * The digest tokens are kept and compared as.
     *
     * @param token a token, hashed as its UTF-8 bytes
     * @return a new 32-byte SHA-256 digest
     */
    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Never shows the tokens, nor their digests. */
    @Override
    public String toString() {
        return "BearerTokens[" + digests.size() + " tokens]";
    }
}
