package io.kubeserve.bench;

import io.grpc.MethodDescriptor;
import io.grpc.KnownLength;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * The floor for KubeServe's gRPC overhead: grpc-java answering every
 * {@code inference.GRPCInferenceService/ModelInfer} call with fixed bytes (the real server's
 * response message), with no protobuf parsing, model, codec or metrics: only HTTP/2, gRPC's
 * framing and its call lifecycle. Beside {@link BareUndertowServer} answering on its I/O thread
 * (worker threads 0), it shows what the two transports cost on their own.
 *
 * <p>It is set up as KubeServe's gRPC adapter is: Netty's epoll transport where available, one event
 * loop per core, calls run on the event loop that read them ({@code directExecutor}), Netty's leak
 * detector off.
 *
 * <pre>java -cp benchmarks.jar io.kubeserve.bench.BareGrpcServer PORT RESPONSE_FILE</pre>
 *
 * {@code RESPONSE_FILE} holds the response as a gRPC body (a 5-byte length prefix, then the message),
 * as {@code curl --http2-prior-knowledge} saves it from the real server. Listens on 127.0.0.1
 * only; stops on SIGTERM.
 */
public final class BareGrpcServer {

    /** The method's full name in the Open Inference Protocol's gRPC service. */
    static final String MODEL_INFER = "inference.GRPCInferenceService/ModelInfer";

    private BareGrpcServer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: BareGrpcServer PORT RESPONSE_FILE");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        if (body.length < 5) {
            System.err.println(args[1] + " is not a gRPC body: it has " + body.length + " bytes");
            System.exit(2);
        }
        byte[] message = Arrays.copyOfRange(body, 5, body.length);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);

        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bare-accept", true), io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("bare-io", true), io);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .channelType(channelType)
                .directExecutor()
                .addService(service(message))
                .build()
                .start();
        System.out.println("bare gRPC listening on 127.0.0.1:" + port + " (" + loops + " event loops, "
                + message.length + "-byte answer)");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            stopped.countDown();
        }, "bare-shutdown"));
        stopped.await();
    }

    /** ModelInfer only, on raw bytes: the request is read and dropped, the answer is {@code message}. */
    static ServerServiceDefinition service(byte[] message) {
        MethodDescriptor<byte[], byte[]> modelInfer = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MODEL_INFER)
                .setRequestMarshaller(new Bytes())
                .setResponseMarshaller(new Bytes())
                .build();
        return ServerServiceDefinition.builder("inference.GRPCInferenceService")
                .addMethod(modelInfer, ServerCalls.asyncUnaryCall((request, answer) -> {
                    answer.onNext(message);
                    answer.onCompleted();
                }))
                .build();
    }

    /** A message as its bytes; the stream it hands grpc-java knows its length, as protobuf's does. */
    private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new Known(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class Known extends ByteArrayInputStream implements KnownLength {
        Known(byte[] bytes) {
            super(bytes);
        }
    }
}
