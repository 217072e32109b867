package io.kubeserve.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Rebinds a service so that a request message grpc-java cannot read ends its call with a status
 * that says why. Left to grpc-java, a parse failure is thrown into the call: the client gets
 * {@code UNKNOWN} "Application error processing RPC", the log an ERROR record with a stack trace
 * (a client could flood it), and a stream ends at once, its answers still to come dropped.
 * <ul>
 *   <li>A message that is not valid protobuf for its method (invalid UTF-8 in a string field, a
 *       truncated or garbled message) ends the call with {@code INVALID_ARGUMENT} and protobuf's
 *       reason.</li>
 *   <li>A compressed message over the size limit once decompressed ends it with
 *       {@code RESOURCE_EXHAUSTED}, as an uncompressed one does (grpc-java raises that failure
 *       while the message is parsed: grpc/grpc-java issue 11246).</li>
 * </ul>
 * A method whose client sends one message (unary, server streaming) has not run yet: its call is
 * closed with the status at once, and the method never runs. A stream's handler sees the client's
 * half-close instead of the message: it stops reading, answers the requests it already has, and
 * ends with the status instead of OK. Status descriptions longer than
 * {@value #MAX_DESCRIPTION} characters are cut, on every call of the service. A description travels
 * percent-encoded in the {@code grpc-message} trailer, and clients refuse large metadata (gRPC's C
 * core, under Python's grpcio, at 8 KiB by default). An echoed 100,000-character model name would
 * otherwise hide the status behind a metadata-size error.
 *
 * <p>Stateless; the calls it makes are used as grpc-java uses its own.
 */
final class UnreadableRequests {

    /** The longest status description sent; at most 9 bytes a character once percent-encoded. */
    static final int MAX_DESCRIPTION = 512;

    private UnreadableRequests() {
    }

    /**
     * The same service, every method guarded; the service and method descriptors keep their
     * schema descriptors, so server reflection still describes them.
     *
     * @param service a bound service, interceptors included
     * @return the guarded service
     */
    static ServerServiceDefinition guard(ServerServiceDefinition service) {
        return guard(service, (method, status) -> { });
    }

    /**
     * {@link #guard(ServerServiceDefinition)}, telling {@code unreadable} of each message that
     * could not be read.
     *
     * @param service    a bound service, interceptors included
     * @param unreadable called with the method's full name and the status, on the thread that reads
     *                   the call's messages (the event loop with {@link KubeServeGrpc#start}); must be
     *                   thread-safe and quick
     * @return the guarded service
     */
    static ServerServiceDefinition guard(ServerServiceDefinition service, BiConsumer<String, Status> unreadable) {
        List<ServerMethodDefinition<?, ?>> methods = service.getMethods().stream()
                .<ServerMethodDefinition<?, ?>>map(method -> guard(method, unreadable)).toList();
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        methods.forEach(method -> descriptor.addMethod(method.getMethodDescriptor()));
        ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(guarded::addMethod);
        return guarded.build();
    }

    private static <Q, R> ServerMethodDefinition<Read<Q>, R> guard(ServerMethodDefinition<Q, R> method,
                                                                    BiConsumer<String, Status> unreadable) {
        MethodDescriptor<Q, R> original = method.getMethodDescriptor();
        MethodDescriptor<Read<Q>, R> reading = original.toBuilder(new Reader<>(original, unreadable),
                original.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        return ServerMethodDefinition.create(reading,
                (call, headers) -> new GuardedCall<>(call, original).start(handler, headers));
    }

    /** A request as read: the message, or why it could not be read. */
    private record Read<Q>(Q message, Status failure) {
    }

    /** The method's own request marshaller, its parse failures kept instead of thrown. */
    private record Reader<Q>(MethodDescriptor<Q, ?> method, BiConsumer<String, Status> onUnreadable)
            implements MethodDescriptor.Marshaller<Read<Q>> {

        @Override
        public InputStream stream(Read<Q> value) {
            return method.getRequestMarshaller().stream(value.message());
        }

        @Override
        public Read<Q> parse(InputStream stream) {
            try {
                return new Read<>(method.parseRequest(stream), null);
            } catch (RuntimeException e) {
                Status status = unreadable(e, method.getBareMethodName());
                onUnreadable.accept(method.getFullMethodName(), status);
                return new Read<>(null, status);
            }
        }
    }

    /** The status for a message that could not be read; never a class name or a stack trace. */
    static Status unreadable(RuntimeException failure, String method) {
        Status status = Status.fromThrowable(failure);
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            return Status.RESOURCE_EXHAUSTED.withDescription(status.getDescription());
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidProtocolBufferException invalid && invalid.getMessage() != null) {
                return Status.INVALID_ARGUMENT.withDescription("the " + method + " request is not a valid protobuf "
                        + "message: " + invalid.getMessage());
            }
        }
        return Status.INVALID_ARGUMENT.withDescription("the " + method + " request is not a valid protobuf message");
    }

    /** Cuts {@code status}'s description to {@value #MAX_DESCRIPTION} characters. */
    static Status bounded(Status status) {
        String description = status.getDescription();
        if (description == null || description.length() <= MAX_DESCRIPTION) {
            return status;
        }
        int kept = MAX_DESCRIPTION - 40;
        if (Character.isHighSurrogate(description.charAt(kept - 1))) {
            kept--; // never half a character
        }
        return status.withDescription(description.substring(0, kept) + "... (" + (description.length() - kept)
                + " more characters cut)");
    }

    /**
     * The call as the method's handler sees it, with the original request type; it forwards
     * everything, and closes with the read failure, when there was one, whatever the handler
     * closes with.
     */
    private static final class GuardedCall<Q, R> extends ServerCall<Q, R> {

        private final ServerCall<Read<Q>, R> call;
        private final MethodDescriptor<Q, R> method;
        /** Set on the call's listener thread, read by whichever thread closes the call. */
        private volatile Status unreadable;

        GuardedCall(ServerCall<Read<Q>, R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        ServerCall.Listener<Read<Q>> start(ServerCallHandler<Q, R> handler, Metadata headers) {
            ServerCall.Listener<Q> listener = handler.startCall(this, headers);
            return new ServerCall.Listener<>() {
                /** Only grpc-java's serialized listener calls touch it. */
                private boolean halfClosed;

                @Override
                public void onMessage(Read<Q> read) {
                    if (halfClosed) {
                        return; // after an unreadable message: nothing more is read
                    }
                    if (read.failure() == null) {
                        listener.onMessage(read.message());
                        return;
                    }
                    unreadable = read.failure();
                    halfClosed = true;
                    if (method.getType().clientSendsOneMessage()) {
                        // the method has not run (it runs on the half-close): end the call here, so
                        // that it never runs, even for a listener that already holds an earlier message
                        call.close(bounded(read.failure()), new Metadata());
                    } else {
                        // a stream's handler ends once it has answered what it read; its close carries
                        // the failure (see close)
                        listener.onHalfClose();
                    }
                }

                @Override
                public void onHalfClose() {
                    if (!halfClosed) {
                        halfClosed = true;
                        listener.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    listener.onCancel();
                }

                @Override
                public void onComplete() {
                    listener.onComplete();
                }

                @Override
                public void onReady() {
                    listener.onReady();
                }
            };
        }

        @Override
        public void close(Status status, Metadata trailers) {
            Status failure = unreadable;
            if (failure != null && method.getType().clientSendsOneMessage()) {
                return; // closed already, with the failure
            }
            call.close(bounded(failure != null ? failure : status), trailers);
        }

        @Override
        public void request(int count) {
            call.request(count);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
