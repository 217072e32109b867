package io.kubeserve.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * gRPC methods whose messages are plain bytes, so that a test can send what no generated stub
 * would: a truncated or garbled message, or a call to a method the service does not have. Shared
 * with the server module's tests (this module's test jar).
 */
public final class RawMessages {

    /** A message as its bytes, both ways. */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private RawMessages() {
    }

    /**
     * {@code method} (its name and type) with bytes for messages.
     *
     * @param method a method of a service, from its generated class
     * @return the same method, sending and receiving bytes
     */
    public static MethodDescriptor<byte[], byte[]> of(MethodDescriptor<?, ?> method) {
        return method.toBuilder(BYTES, BYTES).build();
    }

    /**
     * How a {@code ModelStreamInfer} call ended: its status ({@code DEADLINE_EXCEEDED} when it did
     * not end in time) and the answers received, in order.
     */
    public record Streamed(Status status, List<ModelStreamInferResponse> answers) {
    }

    /**
     * Sends {@code messages} as they are on one {@code ModelStreamInfer} call, half-closes it and
     * waits for its end.
     *
     * @param channel the channel to the server
     * @param seconds the call's deadline; the wait gives up 5 s after it
     * @param messages the requests' bytes, valid or not
     * @return how the call ended
     */
    public static Streamed streamInfer(Channel channel, long seconds, byte[]... messages)
            throws InterruptedException, ExecutionException {
        ClientCall<byte[], byte[]> call = channel.newCall(of(GRPCInferenceServiceGrpc.getModelStreamInferMethod()),
                CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS));
        List<ModelStreamInferResponse> answers = new ArrayList<>();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] answer) {
                try {
                    synchronized (answers) {
                        answers.add(ModelStreamInferResponse.parseFrom(answer));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        for (byte[] message : messages) {
            call.sendMessage(message);
        }
        call.halfClose();
        Status status;
        try {
            status = closed.get(seconds + 5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            call.cancel("no end in time", null);
            status = Status.DEADLINE_EXCEEDED;
        }
        synchronized (answers) {
            return new Streamed(status, List.copyOf(answers));
        }
    }
}
