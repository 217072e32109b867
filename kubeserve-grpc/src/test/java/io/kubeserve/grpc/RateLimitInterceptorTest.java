package io.kubeserve.grpc;

import static io.kubeserve.grpc.Iris.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import io.kubeserve.grpc.v2.ServerReadyRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-client rate limit on a real Netty port on 127.0.0.1 (in-process calls have no peer
 * address): a client is its peer address, or its valid API token; over the budget a call gets
 * {@code RESOURCE_EXHAUSTED} with the limit, the wait and a {@code retry-after} trailer; probes and
 * health are never limited.
 */
class RateLimitInterceptorTest {

    private static final String SECOND_TOKEN = "second-api-secret";
    private static final long WAIT_NANOS = Duration.ofMillis(2500).toNanos();

    @TempDir
    Path tempDir;

    private Iris iris;
    private ExecutorService executor;
    private KubeServeGrpc grpc;
    private ManagedChannel channel;

    /** A budget of {@code calls} per client that never refills; remembers every key it was asked about. */
    private static final class FixedBudget implements ClientAdmission {
        final int calls;
        final Map<String, AtomicInteger> used = new ConcurrentHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();

        FixedBudget(int calls) {
            this.calls = calls;
        }

        @Override
        public long nanosUntilAdmitted(String client) {
            asked.add(client);
            AtomicInteger count = used.computeIfAbsent(client, key -> new AtomicInteger());
            return count.incrementAndGet() <= calls ? 0 : WAIT_NANOS;
        }

        @Override
        public String describeLimit() {
            return calls + " calls in all";
        }
    }

    private GRPCInferenceServiceBlockingStub start(FixedBudget budget, List<String> tokens) {
        iris = new Iris(tempDir);
        executor = Executors.newFixedThreadPool(2);
        grpc = KubeServeGrpc.builder(iris.registry).executor(executor).meters(iris.meters).apiTokens(tokens)
                .rateLimit(budget).build().start("127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        grpc.close();
        executor.shutdownNow();
        iris.close();
    }

    @Test
    void aClientWithoutATokenIsItsPeerAddress() {
        FixedBudget budget = new FixedBudget(2);
        GRPCInferenceServiceBlockingStub stub = start(budget, List.of());
        assertThat(stub.modelInfer(iris.typedRequest().build()).getOutputsList()).isNotEmpty();
        assertThat(stub.modelInfer(iris.typedRequest().build()).getOutputsList()).isNotEmpty();
        assertRefused(() -> stub.modelInfer(iris.typedRequest().build()));

        assertThat(budget.asked).containsOnly("address:127.0.0.1").hasSize(3);
        // probes and health are never limited, nor counted
        for (int i = 0; i < 5; i++) {
            assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
            assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
            assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance())
                    .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
        assertThat(budget.asked).hasSize(3);
    }

    @Test
    void aValidTokenIsItsOwnClientAndAMadeUpOneIsNot() throws Exception {
        FixedBudget budget = new FixedBudget(2);
        GRPCInferenceServiceBlockingStub anonymous = start(budget, List.of(Iris.API_TOKEN, SECOND_TOKEN));
        GRPCInferenceServiceBlockingStub first = anonymous.withInterceptors(Iris.bearer(Iris.API_TOKEN));
        GRPCInferenceServiceBlockingStub second = anonymous.withInterceptors(Iris.bearer(SECOND_TOKEN));
        GRPCInferenceServiceBlockingStub madeUp = anonymous.withInterceptors(Iris.bearer("made-up"));

        first.modelInfer(iris.typedRequest().build());
        first.modelInfer(iris.typedRequest().build());
        assertRefused(() -> first.modelInfer(iris.typedRequest().build()));
        // same address, another valid token: its own budget
        assertThat(second.modelInfer(iris.typedRequest().build()).getOutputsList()).isNotEmpty();

        // a wrong token counts against the address (then fails authentication), so guessing is limited
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> madeUp.modelInfer(iris.typedRequest().build()))
                    .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
        assertRefused(() -> madeUp.modelInfer(iris.typedRequest().build()));
        assertRefused(() -> anonymous.modelInfer(iris.typedRequest().build()));

        assertThat(budget.used.keySet()).containsExactlyInAnyOrder(tokenKey(Iris.API_TOKEN), tokenKey(SECOND_TOKEN),
                "address:127.0.0.1");
    }

    private static void assertRefused(Runnable call) {
        assertThatThrownBy(call::run).satisfies(e -> {
            Status status = Status.fromThrowable(e);
            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).contains("too many requests").contains("2 calls in all")
                    .contains("retry in 3 s");
            Metadata trailers = Status.trailersFromThrowable(e);
            assertThat(trailers).isNotNull();
            assertThat(trailers.get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("3");
        });
    }

    /** The key the HTTP adapter uses for a token, computed here independently. */
    private static String tokenKey(String token) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        return "token:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }
}
