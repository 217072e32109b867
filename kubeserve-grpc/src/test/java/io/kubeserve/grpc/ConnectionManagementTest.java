package io.kubeserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection management on a real port: a connection past its age is replaced under load without a
 * failed call, an idle one is closed, and the builder refuses values grpc-java would change.
 */
class ConnectionManagementTest {

    @TempDir
    Path tempDir;

    private Iris iris;
    private ExecutorService executor;
    private final List<KubeServeGrpc> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void setUp() {
        iris = new Iris(tempDir);
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        servers.forEach(KubeServeGrpc::close);
        executor.shutdownNow();
        iris.close();
    }

    @Test
    void aConnectionPastItsAgeIsReplacedWhileCallsGoOnAndNoneFails() throws Exception {
        KubeServeGrpc aging = start(KubeServeGrpc.builder(iris.registry).executor(executor)
                .maxConnectionAge(Duration.ofSeconds(1), Duration.ofSeconds(10)));
        Set<SocketAddress> used = ConcurrentHashMap.newKeySet();
        int answered = callFor(aging, Duration.ofMillis(3500), used);

        // an age of 1 s (±10 %) over 3.5 s of calls: the client connected again at least twice
        assertThat(used).hasSizeGreaterThanOrEqualTo(3);
        assertThat(answered).isGreaterThan(100);
    }

    @Test
    void withoutAnAgeTheClientKeepsItsOneConnection() throws Exception {
        KubeServeGrpc plain = start(KubeServeGrpc.builder(iris.registry).executor(executor));
        Set<SocketAddress> used = ConcurrentHashMap.newKeySet();
        callFor(plain, Duration.ofMillis(1500), used);

        assertThat(used).hasSize(1);
    }

    @Test
    void anIdleConnectionIsClosedAndTheNextCallOpensAnother() throws Exception {
        KubeServeGrpc idling = start(KubeServeGrpc.builder(iris.registry).executor(executor)
                .maxConnectionIdle(Duration.ofSeconds(1)));
        ManagedChannel channel = channel(idling, ConcurrentHashMap.newKeySet());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        checkAnswer(stub.modelInfer(request("first")), "first");
        assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);

        // the server's GOAWAY after 1 s without calls sends the channel back to IDLE (grpc-java's
        // own client idle time is 30 minutes)
        await().atMost(Duration.ofSeconds(15)).until(() -> channel.getState(false) == ConnectivityState.IDLE);

        checkAnswer(stub.modelInfer(request("after")), "after");
    }

    @Test
    void theBuilderRefusesValuesGrpcJavaWouldRaise() {
        KubeServeGrpc.Builder builder = KubeServeGrpc.builder(iris.registry);
        assertThatThrownBy(() -> builder.maxConnectionAge(Duration.ofMillis(999), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 s");
        assertThatThrownBy(() -> builder.maxConnectionAge(Duration.ofSeconds(5), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grace");
        assertThatThrownBy(() -> builder.maxConnectionIdle(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 s");
        assertThatThrownBy(() -> builder.handshakeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 ms");
    }

    /**
     * Sends calls for {@code period}, 8 in flight, each checked against scikit-learn's labels;
     * records the client's local address of every call in {@code used}. Returns the calls answered.
     */
    private int callFor(KubeServeGrpc server, Duration period, Set<SocketAddress> used) throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub =
                GRPCInferenceServiceGrpc.newFutureStub(channel(server, used));
        long end = System.nanoTime() + period.toNanos();
        int answered = 0;
        while (System.nanoTime() < end) {
            List<ListenableFuture<ModelInferResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(stub.modelInfer(request("c" + answered + "-" + i)));
            }
            for (int i = 0; i < calls.size(); i++) {
                // a call the aged connection failed would throw here (UNAVAILABLE)
                checkAnswer(calls.get(i).get(30, TimeUnit.SECONDS), "c" + answered + "-" + i);
            }
            answered += calls.size();
        }
        return answered;
    }

    private ModelInferRequest request(String id) {
        return iris.typedRequest().setId(id)
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("class_name")).build();
    }

    private void checkAnswer(ModelInferResponse response, String id) {
        assertThat(response.getId()).isEqualTo(id);
        List<String> names = response.getOutputs(0).getContents().getBytesContentsList().stream()
                .map(ByteString::toStringUtf8).toList();
        for (int row = 0; row < iris.rows.length; row++) {
            assertThat(names.get(row)).isEqualTo(iris.labels.get(iris.expectedLabel(row)));
        }
    }

    private KubeServeGrpc start(KubeServeGrpc.Builder builder) {
        KubeServeGrpc server = builder.build().start(0);
        servers.add(server);
        return server;
    }

    /** A channel to {@code server} that adds each call's local address to {@code used}. */
    private ManagedChannel channel(KubeServeGrpc server, Set<SocketAddress> used) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext()
                .intercept(new LocalAddresses(used)).build();
        channels.add(channel);
        return channel;
    }

    /** Records the local address of the connection each call went out on, once the call ends. */
    private record LocalAddresses(Set<SocketAddress> used) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    ClientCall<Q, R> call = this;
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            SocketAddress local = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
                            if (local != null) {
                                used.add(local);
                            }
                            super.onClose(status, trailers);
                        }
                    }, headers);
                }
            };
        }
    }
}
