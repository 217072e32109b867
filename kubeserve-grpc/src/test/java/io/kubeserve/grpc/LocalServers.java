package io.kubeserve.grpc;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the tests on a real port share, as a JUnit extension ({@code @RegisterExtension}): before
 * each test the iris model in a repository of its own and an executor for the adapters; after it,
 * the adapters and client channels the test started are closed, and the repository deleted. For
 * one test's thread.
 */
final class LocalServers implements BeforeEachCallback, AfterEachCallback {

    private final List<KubeServeGrpc> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Path repository;
    private Iris iris;
    private ExecutorService executor;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        repository = Files.createTempDirectory("kubeserve-grpc-test");
        iris = new Iris(repository);
        executor = Executors.newFixedThreadPool(2);
    }

    /** @return this test's iris model, its answers and requests */
    Iris iris() {
        return iris;
    }

    /** @return settings for an adapter on iris, with the executor */
    KubeServeGrpc.Builder builder() {
        return KubeServeGrpc.builder(iris.registry).executor(executor);
    }

    /** @return the adapter {@code builder} makes, listening on a free port of 127.0.0.1 */
    KubeServeGrpc start(KubeServeGrpc.Builder builder) {
        KubeServeGrpc server = builder.build().start("127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    /** @return a plaintext channel of grpc-java's client to {@code server}, through {@code interceptors} */
    ManagedChannel channel(KubeServeGrpc server, ClientInterceptor... interceptors) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .intercept(interceptors).build();
        channels.add(channel);
        return channel;
    }

    /** @return an observer that puts each answer, each failure and the word "completed" into {@code queue} */
    static <T> StreamObserver<T> collectInto(BlockingQueue<Object> queue) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T answer) {
                queue.add(answer);
            }

            @Override
            public void onError(Throwable failure) {
                queue.add(failure);
            }

            @Override
            public void onCompleted() {
                queue.add("completed");
            }
        };
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        channels.clear();
        servers.forEach(KubeServeGrpc::close);
        servers.clear();
        executor.shutdownNow();
        iris.close();
        try (Stream<Path> files = Files.walk(repository)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
