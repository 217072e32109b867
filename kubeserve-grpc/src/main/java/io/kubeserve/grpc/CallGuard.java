package io.kubeserve.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.List;
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
 * Tokens are kept as SHA-256 digests and a presented one is compared in constant time with every
 * configured one. A refused call ends with {@code UNAUTHENTICATED} before its request is read.
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

    private final List<byte[]> apiTokens;
    private final List<byte[]> adminTokens;

    /**
     * @param apiTokens   tokens for everything but probes and the repository; empty: no token needed
     * @param adminTokens tokens for the repository calls; empty: the repository API is off
     */
    CallGuard(Collection<String> apiTokens, Collection<String> adminTokens) {
        this.apiTokens = apiTokens.stream().map(CallGuard::sha256).toList();
        this.adminTokens = adminTokens.stream().map(CallGuard::sha256).toList();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Status refused = null;
        if (REPOSITORY.contains(method)) {
            if (adminTokens.isEmpty()) {
                refused = Status.PERMISSION_DENIED.withDescription("the model repository API is off; the server "
                        + "turns it on with an admin token");
            } else {
                refused = check(headers.get(AUTHORIZATION), adminTokens, "admin token");
            }
        } else if (!OPEN.contains(method) && !apiTokens.isEmpty()) {
            refused = check(headers.get(AUTHORIZATION), apiTokens, "API token");
        }
        if (refused != null) {
            call.close(refused, new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }

    /**
     * The SHA-256 of the bearer token in {@code header} when it is one of the API tokens, else null
     * (no header, not a bearer token, not valid, or no API tokens configured).
     */
    byte[] validApiTokenDigest(String header) {
        if (apiTokens.isEmpty() || header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)
                || header.substring(7).isBlank()) {
            return null;
        }
        byte[] presented = sha256(header.substring(7).trim());
        boolean match = false;
        for (byte[] digest : apiTokens) {
            match |= MessageDigest.isEqual(digest, presented);
        }
        return match ? presented : null;
    }

    /** Null when the header holds one of {@code tokens}, else the status saying what is wrong. */
    private static Status check(String header, List<byte[]> tokens, String what) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            return Status.UNAUTHENTICATED.withDescription("missing bearer token: send the metadata "
                    + "'authorization: Bearer <" + what + ">'");
        }
        byte[] presented = sha256(header.substring(7).trim());
        boolean match = false;
        for (byte[] digest : tokens) {
            match |= MessageDigest.isEqual(digest, presented);
        }
        return match ? null : Status.UNAUTHENTICATED.withDescription("the bearer token is not a valid " + what);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
