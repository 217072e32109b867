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
 */
public final class BearerTokens {

    private final List<byte[]> digests;

    private BearerTokens(List<byte[]> digests) {
        this.digests = digests;
    }

    /** The tokens' digests; the tokens themselves are not kept. */
    public static BearerTokens of(Collection<String> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("at least one token is needed");
        }
        return new BearerTokens(tokens.stream().map(BearerTokens::sha256).toList());
    }

    public int size() {
        return digests.size();
    }

    /** Whether the token is one of the set; always looks at every configured token. */
    public boolean matches(String presented) {
        return presented != null && matchesDigest(sha256(presented));
    }

    /** Like {@link #matches} for a token already hashed with {@link #sha256}. */
    public boolean matchesDigest(byte[] presentedDigest) {
        boolean found = false;
        for (byte[] digest : digests) {
            // non-short-circuit OR: the loop's duration does not depend on which one matched
            found |= MessageDigest.isEqual(digest, presentedDigest);
        }
        return found;
    }

    /** The token of an {@code Authorization: Bearer ...} header, or null when there is none. */
    public static String presented(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

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
