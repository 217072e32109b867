package io.kubeserve.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.kubeserve.core.auth.BearerTokens;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Asks a {@link ClientAdmission} before each call; over the limit, the call ends with
 * {@code RESOURCE_EXHAUSTED} (saying the limit and when to retry) and a {@code retry-after} trailer
 * in whole seconds, before its request is read. {@code ServerLive} and {@code ServerReady} are
 * never limited, like the HTTP probes (the health service is not behind this interceptor at all).
 *
 * <p>A client is its valid API token (keyed by the token's SHA-256), else the peer's IP address;
 * a token that is not valid does not make a new client, so made-up tokens do not dodge the limit.
 * Runs before {@link CallGuard}, so guessing tokens is limited too. Thread-safe.
 */
final class RateLimitInterceptor implements ServerInterceptor {

    /** Seconds until a refused client may call again, like HTTP's {@code Retry-After}. */
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private static final Set<String> OPEN = Set.of(
            GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName());

    private final ClientAdmission admission;
    private final CallGuard guard;

    /**
     * @param admission the limit
     * @param guard     knows the valid API tokens
     */
    RateLimitInterceptor(ClientAdmission admission, CallGuard guard) {
        this.admission = admission;
        this.guard = guard;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (OPEN.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        long wait = admission.nanosUntilAdmitted(client(call, headers));
        if (wait <= 0) {
            return next.startCall(call, headers);
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L));
        Metadata trailers = new Metadata();
        trailers.put(RETRY_AFTER, Long.toString(seconds));
        call.close(Status.RESOURCE_EXHAUSTED.withDescription("too many requests from this client ("
                + admission.describeLimit() + "); retry in " + seconds + " s"), trailers);
        return new ServerCall.Listener<>() { };
    }

    /** The client's key, as HTTP's rate limit makes it ({@link BearerTokens#clientKey}). */
    private String client(ServerCall<?, ?> call, Metadata headers) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return BearerTokens.clientKey(guard.apiTokens(), headers.get(CallGuard.AUTHORIZATION),
                remote instanceof InetSocketAddress inet ? inet.getAddress() : null);
    }
}
