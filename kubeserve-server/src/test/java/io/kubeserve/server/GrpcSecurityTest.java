package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelMetadataRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's gRPC side under its security settings: REST and gRPC draw on one rate limit budget
 * per client, gRPC over TLS with the server's certificate (plain text refused), and a call whose
 * deadline has passed ends with {@code DEADLINE_EXCEEDED} without harming the server.
 */
class GrpcSecurityTest {

    private static final int RATE = 1;
    private static final int BURST = 4;

    @TempDir
    Path dir;

    @Test
    void restAndGrpcFromOneAddressShareOneBudget() throws Exception {
        assertOneBudgetAcrossProtocols(SecurityConfig.defaults().withRateLimit(RATE, BURST), null);
    }

    @Test
    void restAndGrpcWithOneTokenShareOneBudget() throws Exception {
        assertOneBudgetAcrossProtocols(SecurityConfig.defaults()
                .withAuthTokens(List.of(AuthenticationTest.ALICE, AuthenticationTest.BOB), false, false)
                .withRateLimit(RATE, BURST), AuthenticationTest.ALICE);
    }

    /**
     * Alternates REST and gRPC calls until each protocol has been refused once: with one budget, all
     * the calls that passed fit in one bucket (rate + burst, plus what refilled meanwhile); with a
     * budget per protocol twice as many would pass.
     */
    private void assertOneBudgetAcrossProtocols(SecurityConfig security, String token) throws Exception {
        int grpcPort = TestTools.freePort();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(dir.resolve("repo")))
                .withGrpcPort(grpcPort).withSecurity(security))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            try {
                GRPCInferenceServiceBlockingStub grpc = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                if (token != null) {
                    grpc = grpc.withInterceptors(bearer(token));
                }
                // the channel connects (a ServerLive, never limited) before the clock starts
                grpc.withDeadlineAfter(30, TimeUnit.SECONDS).serverLive(
                        io.kubeserve.grpc.v2.ServerLiveRequest.getDefaultInstance());
                long start = System.nanoTime();
                int restPassed = 0;
                int grpcPassed = 0;
                boolean restRefused = false;
                boolean grpcRefused = false;
                for (int i = 0; i < 100 && !(restRefused && grpcRefused); i++) {
                    if (i % 2 == 0) {
                        HttpResponse<String> response = server.get("/v2/models/iris", token);
                        if (response.statusCode() == 429) {
                            restRefused = true;
                            assertThat(response.headers().firstValue("Retry-After")).isPresent();
                        } else {
                            assertThat(response.statusCode()).isEqualTo(200);
                            restPassed++;
                        }
                    } else {
                        try {
                            grpc.withDeadlineAfter(30, TimeUnit.SECONDS)
                                    .modelMetadata(ModelMetadataRequest.newBuilder().setName("iris").build());
                            grpcPassed++;
                        } catch (StatusRuntimeException e) {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                            assertThat(e.getStatus().getDescription()).contains("too many requests")
                                    .contains(RATE + " requests a second, burst " + BURST).contains("retry in");
                            assertThat(e.getTrailers().get(Metadata.Key.of("retry-after",
                                    Metadata.ASCII_STRING_MARSHALLER))).isNotNull();
                            grpcRefused = true;
                        }
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                assertThat(restRefused && grpcRefused).as("both protocols limited within 100 calls").isTrue();
                assertThat(restPassed).as("REST calls passed").isPositive();
                assertThat(grpcPassed).as("gRPC calls passed").isPositive();
                assertThat(restPassed + grpcPassed).as("calls passed in %.2f s", seconds)
                        .isBetween(RATE + BURST, RATE + BURST + (int) Math.ceil(seconds * RATE));
                // probes stay open on both sides
                assertThat(server.get("/v2/health/ready", token).statusCode()).isEqualTo(200);
                assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void servesGrpcOverTlsWithThePemCertificateAndRefusesPlainText() throws Exception {
        assumeTrue(TestTools.onPath("openssl"), "openssl is not installed");
        TestTools.PemPair pem = TestTools.selfSignedPem(dir, "server");
        Path cert = pem.cert();
        Path key = pem.key();
        assumeTrue(Files.readString(key).contains("BEGIN PRIVATE KEY"), "this openssl does not write PKCS#8");
        int grpcPort = TestTools.freePort();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.irisOnly(dir.resolve("repo")))
                .withGrpcPort(grpcPort).withSecurity(SecurityConfig.defaults().withPemTls(cert, key)))) {
            ManagedChannel tls = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort)
                    .sslContext(GrpcSslContexts.forClient().trustManager(cert.toFile()).build()).build();
            ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            try {
                ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(tls)
                        .withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(GrpcServerTest.irisRequest(1));
                assertThat(GrpcServerTest.output(response, "output_label").getContents().getInt64Contents(0))
                        .isEqualTo(RunningServer.expected("iris_logreg").path("expected").path("label").get(0).asLong());

                assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(plain)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(GrpcServerTest.irisRequest(1)))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL));
            } finally {
                tls.shutdownNow();
                plain.shutdownNow();
            }
        }
    }

    @Test
    void aCallPastItsDeadlineGetsDeadlineExceededAndTheServerStaysHealthy() throws Exception {
        Path repo = RunningServer.irisOnly(dir.resolve("repo"));
        Files.createDirectories(repo.resolve("slow/1"));
        Files.writeString(repo.resolve("slow/1/model.slow"), "400");
        int grpcPort = TestTools.freePort();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(repo).withGrpcPort(grpcPort))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            try {
                GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                // gone before it is sent
                assertThatThrownBy(() -> stub.withDeadlineAfter(1, TimeUnit.NANOSECONDS).modelInfer(GrpcServerTest.irisRequest(1)))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
                // passes while the server works on it: the model sleeps 400 ms
                assertThatThrownBy(() -> stub.withDeadlineAfter(50, TimeUnit.MILLISECONDS).modelInfer(slowRequest()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.DEADLINE_EXCEEDED));

                var healthy = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
                assertThat(GrpcServerTest.output(healthy.modelInfer(slowRequest()), "y").getContents().getFp32Contents(0)).isEqualTo(1f);
                assertThat(GrpcServerTest.output(healthy.modelInfer(GrpcServerTest.irisRequest(1)), "output_label").getContents().getInt64Contents(0))
                        .isEqualTo(RunningServer.expected("iris_logreg").path("expected").path("label").get(0).asLong());
                assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
                assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static ModelInferRequest slowRequest() {
        return ModelInferRequest.newBuilder().setModelName("slow")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(1).addShape(1).setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
                .build();
    }

    private static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }
}
