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
import io.grpc.stub.StreamObserver;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection management on a real port: a connection past its age is replaced under load without a
 * failed call while a stream open on it runs on, an idle one is closed, and the builder refuses
 * times grpc-java would not keep.
 */
class ConnectionManagementTest {

    @RegisterExtension
    final LocalServers local = new LocalServers();

    @Test
    void aConnectionPastItsAgeIsReplacedWhileCallsGoOnAndNoneFails() throws Exception {
        KubeServeGrpc aging = local.start(local.builder()
                .maxConnectionAge(Duration.ofSeconds(1)));
        Set<SocketAddress> used = ConcurrentHashMap.newKeySet();
        // calls, 8 at a time, until the client has had three connections (an age of 1 s, ±10 %);
        // the time limit only bounds a broken run
        callUntil(aging, Duration.ofSeconds(60), used, () -> used.size() >= 3);

        assertThat(used).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void aStreamOpenWhenItsConnectionAgesRunsOn() throws Exception {
        KubeServeGrpc aging = local.start(local.builder()
                .maxConnectionAge(Duration.ofSeconds(1)));
        Set<SocketAddress> used = ConcurrentHashMap.newKeySet();
        ManagedChannel channel = channel(aging, used);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub unary = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        checkAnswer(unary.modelInfer(request("first")), "first");
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
                LocalServers.collectInto(answers));
        requests.onNext(request("before"));
        checkStreamAnswer(answers.poll(30, TimeUnit.SECONDS), "before");

        // unary calls until one goes out on a new connection: the stream's has had its GOAWAY by then
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            checkAnswer(unary.modelInfer(request("probe")), "probe");
            return used.size() >= 2;
        });
        requests.onNext(request("after"));
        checkStreamAnswer(answers.poll(30, TimeUnit.SECONDS), "after");
        requests.onCompleted();
        assertThat(answers.poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
    }

    @Test
    void startingPutsTheStreamErrorFilterOnGrpcJavasLogger() {
        java.util.logging.Logger handler = java.util.logging.Logger.getLogger(StreamErrorLogFilter.SERVER_HANDLER_CLASS);
        handler.setFilter(null);
        local.start(local.builder());
        assertThat(handler.getFilter()).isInstanceOf(StreamErrorLogFilter.class);
    }

    @Test
    void withoutAnAgeTheClientKeepsItsOneConnection() throws Exception {
        KubeServeGrpc plain = local.start(local.builder());
        Set<SocketAddress> used = ConcurrentHashMap.newKeySet();
        long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        callUntil(plain, Duration.ofSeconds(60), used, () -> System.nanoTime() > end);

        assertThat(used).hasSize(1);
    }

    @Test
    void anIdleConnectionIsClosedAndTheNextCallOpensAnother() throws Exception {
        KubeServeGrpc idling = local.start(local.builder()
                .maxConnectionIdle(Duration.ofSeconds(1)));
        ManagedChannel channel = channel(idling, ConcurrentHashMap.newKeySet());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        checkAnswer(stub.modelInfer(request("first")), "first");

        // the server's GOAWAY after 1 s without calls sends the channel back to IDLE (grpc-java's
        // own client idle time is 30 minutes)
        await().atMost(Duration.ofSeconds(15)).until(() -> channel.getState(false) == ConnectivityState.IDLE);

        checkAnswer(stub.modelInfer(request("after")), "after");
    }

    @Test
    void theBuilderRefusesTimesOutsideGrpcJavasRange() {
        KubeServeGrpc.Builder builder = KubeServeGrpc.builder(local.iris().registry);
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
     * Sends calls, 8 in flight, each checked against scikit-learn's labels, until {@code done}
     * (checked after each 8) or {@code limit} passes; records the client's local address of every
     * call in {@code used}.
     */
    private void callUntil(KubeServeGrpc server, Duration limit, Set<SocketAddress> used,
                           BooleanSupplier done) throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub =
                GRPCInferenceServiceGrpc.newFutureStub(channel(server, used));
        long end = System.nanoTime() + limit.toNanos();
        int sent = 0;
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            List<ListenableFuture<ModelInferResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(stub.modelInfer(request("c" + sent + "-" + i)));
            }
            for (int i = 0; i < calls.size(); i++) {
                // a call the aged connection failed would throw here (UNAVAILABLE)
                checkAnswer(calls.get(i).get(30, TimeUnit.SECONDS), "c" + sent + "-" + i);
            }
            sent += calls.size();
        }
    }

    private ModelInferRequest request(String id) {
        return local.iris().typedRequest().setId(id)
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("class_name")).build();
    }

    private void checkStreamAnswer(Object answer, String id) {
        assertThat(answer).isInstanceOf(ModelStreamInferResponse.class);
        ModelStreamInferResponse response = (ModelStreamInferResponse) answer;
        assertThat(response.getErrorMessage()).isEmpty();
        checkAnswer(response.getInferResponse(), id);
    }

    private void checkAnswer(ModelInferResponse response, String id) {
        assertThat(response.getId()).isEqualTo(id);
        List<String> names = response.getOutputs(0).getContents().getBytesContentsList().stream()
                .map(ByteString::toStringUtf8).toList();
        Iris iris = local.iris();
        for (int row = 0; row < iris.rows.length; row++) {
            assertThat(names.get(row)).isEqualTo(iris.labels.get(iris.expectedLabel(row)));
        }
    }

    /** A channel to {@code server} that adds each call's local address to {@code used}. */
    private ManagedChannel channel(KubeServeGrpc server, Set<SocketAddress> used) {
        return local.channel(server, new LocalAddresses(used));
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
