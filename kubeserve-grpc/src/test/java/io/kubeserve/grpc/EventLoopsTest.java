package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event loops {@link KubeServeGrpc#start} makes: as many as asked for, whatever the number of
 * connections, and stopped with the adapter; and Netty's leak detector off for the shaded Netty.
 */
class EventLoopsTest {

    /** A serving loop's thread (DefaultThreadFactory: prefix, pool number, thread number), not the accepting one. */
    private static final Pattern LOOP = Pattern.compile("grpc-io-\\d+-\\d+");

    @TempDir
    Path tempDir;

    private Iris iris;
    private ExecutorService executor;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void models() {
        iris = new Iris(tempDir);
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        executor.shutdownNow();
        iris.close();
    }

    @Test
    void twoLoopsServeFiveConnectionsAndStopWithTheAdapter() {
        Set<String> before = loopThreads();
        KubeServeGrpc grpc = KubeServeGrpc.builder(iris.registry).executor(executor).eventLoopThreads(2).build()
                .start("127.0.0.1", 0);
        try {
            for (int c = 0; c < 5; c++) {
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
                channels.add(channel);
                ModelInferResponse answer = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .modelInfer(iris.typedRequest().setId("c" + c).build());
                assertThat(answer.getId()).isEqualTo("c" + c);
                assertThat(answer.getOutputsCount()).isEqualTo(outputs());
            }
            Set<String> started = loopThreads();
            started.removeAll(before);
            // five connections spread over the two loops: both run, and no third
            assertThat(started).hasSize(2);
            if (System.getProperty(KubeServeGrpc.LEAK_DETECTION_PROPERTY) == null) {
                assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
            }
        } finally {
            grpc.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Set<String> left = loopThreads();
            left.removeAll(before);
            return left.isEmpty();
        });
    }

    @Test
    void aDrainedAdapterLeavesNoLoopRunning() {
        Set<String> before = loopThreads();
        KubeServeGrpc grpc = KubeServeGrpc.builder(iris.registry).executor(executor).eventLoopThreads(1).build()
                .start("127.0.0.1", 0);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        channels.add(channel);
        assertThat(GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(iris.rawRequest().build())
                .getRawOutputContentsCount()).isEqualTo(outputs());
        Set<String> started = loopThreads();
        started.removeAll(before);
        assertThat(started).hasSize(1);
        assertThat(grpc.drain(Duration.ofSeconds(10))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Set<String> left = loopThreads();
            left.removeAll(before);
            return left.isEmpty();
        });
        grpc.close();
    }

    @Test
    void aNegativeLoopCountIsRefused() {
        assertThatThrownBy(() -> KubeServeGrpc.builder(iris.registry).eventLoopThreads(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    /** How many outputs the model declares: every answer carries each of them. */
    private int outputs() {
        return iris.registry.model("iris", "").metadata().outputs().size();
    }

    private static Set<String> loopThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> LOOP.matcher(name).matches()).collect(Collectors.toSet());
    }
}
