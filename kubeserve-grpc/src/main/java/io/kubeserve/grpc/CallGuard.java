package io.kubeserve.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.kubeserve.core.auth.BearerTokens;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import java.util.Collection;
import java.util.Set;

/**
 * Who may make which call, from the {@code authorization: Bearer <token>} metadata:
 * <ul>
 *   <li>{@code ServerLive} and {@code ServerReady} are open, for probes that send no metadata;</li>
 *   <li>the repository calls ({@code RepositoryIndex}, {@code RepositoryModelLoad},
 *       {@code RepositoryModelUnload}) need the admin token, and are refused with
 *       {@code PERMISSION_DENIED} when the repository API is off (no admin token);</li>
 *   <li>every other call needs one of the API tokens, when there are any.</li>
 * </ul>
 * Tokens are checked by core's {@link BearerTokens}, as HTTP's are. A refused call ends with {@code UNAUTHENTICATED} before its request is read.
 * Thread-safe and immutable.
 */
final class CallGuard implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final Set<String> OPEN = Set.of(
            GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName());

    private static final Set<String> REPOSITORY = Set.of(
            GRPCInferenceServiceGrpc.getRepositoryIndexMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod().getFullMethodName());

    /** Null when no API token is needed. */
    private final BearerTokens apiTokens;
    /** Null when the repository API is off. */
    private final BearerTokens adminTokens;

    /**
     * @param apiTokens   tokens for everything but probes and the repository; empty: no token needed
     * @param adminTokens tokens for the repository calls; empty: the repository API is off
     */
    CallGuard(Collection<String> apiTokens, Collection<String> adminTokens) {
        this.apiTokens = apiTokens.isEmpty() ? null : BearerTokens.of(apiTokens);
        this.adminTokens = adminTokens.isEmpty() ? null : BearerTokens.of(adminTokens);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Status refused = null;
        if (REPOSITORY.contains(method)) {
            if (adminTokens == null) {
                // as the HTTP adapter says it
                refused = Status.PERMISSION_DENIED.withDescription("the model repository API is off: start the server"
                        + " with --model-control-mode explicit and an admin token (--admin-token-file or"
                        + " KUBESERVE_ADMIN_TOKEN)");
            } else {
                refused = check(headers.get(AUTHORIZATION), adminTokens, "admin token");
            }
        } else if (!OPEN.contains(method) && apiTokens != null) {
            refused = check(headers.get(AUTHORIZATION), apiTokens, "API token");
        }
        if (refused != null) {
            call.close(refused, new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }

    /**
     * The API tokens, for keying clients of the rate limit.
     *
     * @return the tokens, or null when no API token is needed
     */
    BearerTokens apiTokens() {
        return apiTokens;
    }

    /** Null when the header holds one of {@code tokens}, else the status saying what is wrong. */
    private static Status check(String header, BearerTokens tokens, String what) {
        String presented = BearerTokens.fromAuthorization(header);
        if (presented == null) {
            return Status.UNAUTHENTICATED.withDescription("missing bearer token: send the metadata "
                    + "'authorization: Bearer <" + what + ">'");
        }
        return tokens.matches(presented) ? null
                : Status.UNAUTHENTICATED.withDescription("the bearer token is not a valid " + what);
    }
}
