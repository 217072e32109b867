package io.kubeserve.grpc;

/**
 * A per-client rate limit the gRPC adapter asks before each call (see
 * {@link KubeServeGrpc.Builder#rateLimit(ClientAdmission)}). Usually backed by the same buckets as
 * the HTTP adapter's, so that a client has one budget across both protocols.
 *
 * <p>The adapter names a client {@code token:} followed by the unpadded base64url SHA-256 of the
 * valid API token it presents, else {@code address:} followed by its IP address as
 * {@link java.net.InetAddress#getHostAddress()} writes it ({@code address:unknown} when the
 * transport knows none, as in-process). This is the HTTP adapter's naming, so one implementation
 * can serve both.
 *
 * <p>Implementations must be thread-safe and should not block: the adapter calls them on the
 * transport's event loop.
 */
@FunctionalInterface
public interface ClientAdmission {

    /**
     * Admits one call of {@code client} now, or says how long until it would be.
     *
     * @param client the client's key, as described above; never null
     * @return 0 when the call is admitted (and counted against the client's budget), else the wait
     *         in nanoseconds until it would be (positive; the call is then refused and not counted)
     */
    long nanosUntilAdmitted(String client);

    /**
     * Words for the limit in the refusal's message, such as {@code 50 requests a second, burst 100}.
     *
     * @return a short description of the limit; the default says only that there is one
     */
    default String describeLimit() {
        return "the server's per-client rate limit";
    }
}
