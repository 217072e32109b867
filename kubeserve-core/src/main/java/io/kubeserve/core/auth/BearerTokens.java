package io.kubeserve.core.auth;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * A fixed set of bearer tokens, kept only as SHA-256 digests, and the constant-time check of a
 * presented token against them. Shared by both serving adapters (HTTP's {@code Authorization}
 * header, gRPC's {@code authorization} metadata) and by the API and admin tokens, so every check
 * parses and compares the same way (RFC 6750, section 2.1: {@code Bearer <token>}).
 *
 * <p>Why digests: comparing fixed-length digests makes the time independent of where the first
 * differing character is and of the secret's length, and every configured token is compared
 * without an early exit, so timing reveals neither which token nearly matched nor how many there are.
 *
 * <p>Immutable and thread-safe: one instance serves every I/O thread.
 */
public final class BearerTokens {

    private static final Base64.Encoder KEY_ENCODING = Base64.getUrlEncoder().withoutPadding();

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
     * The token of an {@code Authorization} value (HTTP header or gRPC metadata):
     * {@code Bearer <token>}, the scheme in any case, the token trimmed.
     *
     * @param authorization the value, or null when the request has none
     * @return the token, or null when there is no value, another scheme or an empty token
     */
    public static String fromAuthorization(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    /**
     * The key a rate limit counts a client under, the same for both adapters so one client has one
     * budget: {@code token:<base64url SHA-256>} when {@code authorization} holds one of
     * {@code tokens}, else {@code address:<ip>}. A token that is not valid does not make a new
     * client, so made-up tokens do not dodge the limit.
     *
     * @param tokens        the API tokens, or null when authentication is off
     * @param authorization the request's {@code Authorization} value, or null
     * @param address       the client's address, or null when unknown
     * @return the key
     */
    public static String clientKey(BearerTokens tokens, String authorization, InetAddress address) {
        if (tokens != null) {
            String presented = fromAuthorization(authorization);
            if (presented != null) {
                byte[] digest = sha256(presented);
                if (tokens.matchesDigest(digest)) {
                    return "token:" + KEY_ENCODING.encodeToString(digest);
                }
            }
        }
        return "address:" + (address == null ? "unknown" : address.getHostAddress());
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
