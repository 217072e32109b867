package io.kubeserve.grpc;

import static io.kubeserve.grpc.Iris.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferParameter;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelMetadataRequest;
import io.kubeserve.grpc.v2.ModelMetadataResponse;
import io.kubeserve.grpc.v2.ModelReadyRequest;
import io.kubeserve.grpc.v2.ModelStatistics;
import io.kubeserve.grpc.v2.ModelStatisticsRequest;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import io.kubeserve.grpc.v2.RepositoryIndexRequest;
import io.kubeserve.grpc.v2.RepositoryIndexResponse;
import io.kubeserve.grpc.v2.RepositoryModelLoadRequest;
import io.kubeserve.grpc.v2.RepositoryModelUnloadRequest;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import io.kubeserve.grpc.v2.ServerMetadataRequest;
import io.kubeserve.grpc.v2.ServerMetadataResponse;
import io.kubeserve.grpc.v2.ServerReadyRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every RPC through an in-process channel, against the bundled iris model and scikit-learn's own
 * answers for it, with API and admin tokens configured.
 */
class InProcessServiceTest {

    @TempDir
    static Path tempDir;

    private static Iris iris;
    private static ExecutorService executor;
    private static KubeServeGrpc grpc;
    private static Server server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub anonymous;

    @BeforeAll
    static void start() throws Exception {
        iris = new Iris(tempDir);
        executor = Executors.newFixedThreadPool(4);
        grpc = KubeServeGrpc.builder(iris.registry).executor(executor).meters(iris.meters)
                .apiTokens(List.of(Iris.API_TOKEN)).repositoryApi(Iris.ADMIN_TOKEN).version("1.2.3").build();
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).executor(executor);
        grpc.services().forEach(builder::addService);
        server = builder.build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        anonymous = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        stub = anonymous.withInterceptors(Iris.bearer(Iris.API_TOKEN));
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.shutdownNow();
        grpc.close();
        executor.shutdownNow();
        iris.close();
    }

    @Test
    void liveReadyAndServerMetadata() {
        assertThat(anonymous.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(anonymous.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        ServerMetadataResponse metadata = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(metadata.getName()).isEqualTo("kubeserve");
        assertThat(metadata.getVersion()).isEqualTo("1.2.3");
        assertThat(metadata.getExtensionsList()).containsExactly("model_repository", "statistics");
    }

    @Test
    void modelReadyAndMetadata() {
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").build()).getReady()).isTrue();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").setVersion("1").build())
                .getReady()).isTrue();
        assertThatThrownBy(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND))
                .hasMessageContaining("model 'nope' is not known");

        ModelMetadataResponse metadata = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("iris").build());
        assertThat(metadata.getName()).isEqualTo("iris");
        assertThat(metadata.getVersionsList()).containsExactly("1");
        assertThat(metadata.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(metadata.getInputsList()).hasSize(1);
        ModelMetadataResponse.TensorMetadata input = metadata.getInputs(0);
        assertThat(input.getName()).isEqualTo("float_input");
        assertThat(input.getDatatype()).isEqualTo("FP32");
        assertThat(input.getShapeList()).containsExactly(-1L, 4L);
        assertThat(metadata.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName)
                .contains("output_label", "class_name");
    }

    @Test
    void typedInferenceAnswersAsScikitLearnDid() {
        ModelInferResponse response = stub.modelInfer(iris.typedRequest().setId("req-1").build());
        assertThat(response.getModelName()).isEqualTo("iris");
        assertThat(response.getModelVersion()).isEqualTo("1");
        assertThat(response.getId()).isEqualTo("req-1");
        assertThat(response.getRawOutputContentsCount()).isZero();
        checkAgainstReference(Decoded.of(response));
    }

    @Test
    void rawInferenceAnswersAsScikitLearnDidAndAsTypedDoes() {
        ModelInferResponse raw = stub.modelInfer(iris.rawRequest().build());
        assertThat(raw.getRawOutputContentsCount()).isEqualTo(raw.getOutputsCount());
        Decoded fromRaw = Decoded.of(raw);
        checkAgainstReference(fromRaw);

        Decoded fromTyped = Decoded.of(stub.modelInfer(iris.typedRequest().build()));
        assertThat(fromRaw.names).isEqualTo(fromTyped.names);
        assertThat(fromRaw.types).isEqualTo(fromTyped.types);
        assertThat(fromRaw.shapes).isEqualTo(fromTyped.shapes);
        assertThat(fromRaw.values).isEqualTo(fromTyped.values);

        // the parameter chooses the output form whatever the input form
        ModelInferResponse typedOut = stub.modelInfer(iris.rawRequest().putParameters(InferCodec.RAW_OUTPUT_PARAMETER,
                InferParameter.newBuilder().setBoolParam(false).build()).build());
        assertThat(typedOut.getRawOutputContentsCount()).isZero();
        assertThat(Decoded.of(typedOut).values).isEqualTo(fromTyped.values);
    }

    @Test
    void requestedOutputsOnly() {
        ModelInferResponse response = stub.modelInfer(iris.typedRequest()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("class_name")).build());
        assertThat(response.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("class_name");
        List<String> names = response.getOutputs(0).getContents().getBytesContentsList().stream()
                .map(ByteString::toStringUtf8).toList();
        for (int row = 0; row < iris.rows.length; row++) {
            assertThat(names.get(row)).isEqualTo(iris.labels.get(iris.expectedLabel(row)));
        }
    }

    @Test
    void streamAnswersEveryRequestAndReportsFailuresAsMessages() {
        List<ModelStreamInferResponse> answers = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        boolean[] completed = new boolean[1];
        StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
                .withInterceptors(Iris.bearer(Iris.API_TOKEN))
                .modelStreamInfer(new StreamObserver<>() {
                    @Override
                    public void onNext(ModelStreamInferResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        errors.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        synchronized (completed) {
                            completed[0] = true;
                        }
                    }
                });
        for (int i = 0; i < 5; i++) {
            requests.onNext(iris.typedRequest().setId("s" + i).build());
        }
        requests.onNext(iris.typedRequest().setModelName("nope").setId("bad").build());
        requests.onCompleted();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            synchronized (completed) {
                return completed[0] || !errors.isEmpty();
            }
        });
        assertThat(errors).isEmpty();
        assertThat(answers).hasSize(6);
        for (ModelStreamInferResponse answer : answers) {
            String id = answer.getInferResponse().getId();
            if (id.equals("bad")) {
                assertThat(answer.getErrorMessage()).isEqualTo("NOT_FOUND: model 'nope' is not known");
            } else {
                assertThat(answer.getErrorMessage()).isEmpty();
                checkAgainstReference(Decoded.of(answer.getInferResponse()));
            }
        }
        assertThat(answers).extracting(a -> a.getInferResponse().getId())
                .containsExactlyInAnyOrder("s0", "s1", "s2", "s3", "s4", "bad");
    }

    @Test
    void statisticsCountWhatRan() {
        stub.modelInfer(iris.typedRequest().build());
        ModelStatistics stats = stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("iris").build())
                .getModelStats(0);
        assertThat(stats.getName()).isEqualTo("iris");
        assertThat(stats.getVersion()).isEqualTo("1");
        double succeeded = iris.meters.find("inference.requests").tag("model", "iris").tag("status", "success")
                .counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(stats.getInferenceStats().getSuccess().getCount()).isEqualTo((long) succeeded).isPositive();
        assertThat(stats.getExecutionCount()).isPositive();
        assertThat(stats.getInferenceStats().getComputeInfer().getCount()).isEqualTo(stats.getExecutionCount());
        assertThat(stats.getInferenceStats().getComputeInfer().getNs()).isPositive();
        assertThatThrownBy(() -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope").build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND));
        // an unknown version is NOT_FOUND too, as ModelMetadata says, not an empty answer
        assertThatThrownBy(() -> stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("iris")
                .setVersion("7").build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                        .isEqualTo("model 'iris' has no version '7' loaded"));
    }

    @Test
    void metricsCarryTheGrpcProtocol() {
        stub.modelInfer(iris.typedRequest().build());
        assertThatThrownBy(() -> stub.modelInfer(iris.typedRequest().addInputs(iris.input()).build()));
        // a call is counted just after its answer is sent, so the client can see the answer first
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(iris.meters.get("inference.requests").tag("model", "iris").tag("protocol", "grpc")
                    .tag("status", "success").counter().count()).isPositive();
            assertThat(iris.meters.get("inference.requests").tag("model", "iris").tag("protocol", "grpc")
                    .tag("status", "invalid_input").counter().count()).isPositive();
            assertThat(iris.meters.get("inference.request.duration").tag("model", "iris").tag("protocol", "grpc")
                    .timer().count()).isPositive();
        });
    }

    @Test
    void repositoryIndexUnloadAndLoadNeedTheAdminToken() {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub admin =
                anonymous.withInterceptors(Iris.bearer(Iris.ADMIN_TOKEN));
        assertThatThrownBy(() -> stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAUTHENTICATED))
                .hasMessageContaining("not a valid admin token");
        RepositoryIndexResponse index = admin.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertThat(index.getModelsList()).singleElement().satisfies(model -> {
            assertThat(model.getName()).isEqualTo("iris");
            assertThat(model.getVersion()).isEqualTo("1");
            assertThat(model.getState()).isEqualTo("READY");
        });

        assertThat(admin.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("iris").build())
                .getIsUnloaded()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                !stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").build()).getReady());
        assertThatThrownBy(() -> stub.modelInfer(iris.typedRequest().build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(health("")).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
        // what a liveness probe asks: the process runs, so it is not to be restarted
        assertThat(health(KubeServeGrpc.LIVENESS_SERVICE)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        // Triton's clients put the model name in field 2
        assertThat(admin.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setTritonModelName("iris")
                .build()).getIsLoaded()).isTrue();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").build()).getReady()).isTrue();
        assertThat(health("")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        checkAgainstReference(Decoded.of(stub.modelInfer(iris.typedRequest().build())));

        assertThatThrownBy(() -> admin.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
                .setModelName("nope").build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void healthAndReflection() throws Exception {
        assertThat(health("")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health(GRPCInferenceServiceGrpc.SERVICE_NAME)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        List<ServerReflectionResponse> answers = Collections.synchronizedList(new ArrayList<>());
        boolean[] done = new boolean[1];
        StreamObserver<ServerReflectionRequest> reflection = ServerReflectionGrpc.newStub(channel)
                .withInterceptors(Iris.bearer(Iris.API_TOKEN))
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        synchronized (done) {
                            done[0] = true;
                        }
                    }

                    @Override
                    public void onCompleted() {
                        synchronized (done) {
                            done[0] = true;
                        }
                    }
                });
        reflection.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        reflection.onCompleted();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (done) {
                return done[0];
            }
        });
        assertThat(answers).singleElement().satisfies(answer -> assertThat(answer.getListServicesResponse()
                .getServiceList()).extracting(s -> s.getName())
                .contains(GRPCInferenceServiceGrpc.SERVICE_NAME, "grpc.health.v1.Health"));
    }

    // ---- bad requests ----------------------------------------------------------------------

    static Stream<Arguments> badRequests() {
        UnaryOperator<ModelInferRequest.Builder> same = b -> b;
        return Stream.of(
                Arguments.of("wrong datatype", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setInputs(0,
                        b.getInputs(0).toBuilder().setDatatype("FP64").setContents(InferTensorContents.newBuilder()
                                .addAllFp64Contents(Collections.nCopies(80, 1.0)))),
                        false, Status.Code.INVALID_ARGUMENT, "input 'float_input' must be FP32, got FP64"),
                Arguments.of("unknown datatype", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setInputs(0,
                        b.getInputs(0).toBuilder().setDatatype("FLOAT")),
                        false, Status.Code.INVALID_ARGUMENT, "input 'float_input': unknown datatype 'FLOAT'"),
                Arguments.of("contents in the wrong field", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setInputs(0,
                        b.getInputs(0).toBuilder().setContents(InferTensorContents.newBuilder()
                                .addAllInt64Contents(Collections.nCopies(80, 1L)))),
                        false, Status.Code.INVALID_ARGUMENT,
                        "input 'float_input' is FP32, whose elements go in fp32_contents, but the request has "
                                + "int64_contents"),
                Arguments.of("typed count disagrees with the shape", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.setInputs(0, b.getInputs(0).toBuilder().setShape(0, 21)),
                        false, Status.Code.INVALID_ARGUMENT,
                        "input 'float_input' of shape [21, 4] needs 84 elements in fp32_contents, got 80"),
                Arguments.of("raw length disagrees with the shape", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.setRawInputContents(0, b.getRawInputContents(0).substring(4)),
                        true, Status.Code.INVALID_ARGUMENT,
                        "raw_input_contents of input 'float_input' has 316 bytes; a FP32 tensor of shape [20, 4] "
                                + "needs 320 (80 elements of 4 bytes)"),
                Arguments.of("both typed and raw contents", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.setInputs(0, b.getInputs(0).toBuilder().setContents(InferTensorContents.newBuilder()
                                .addAllFp32Contents(Collections.nCopies(80, 1f)))),
                        true, Status.Code.INVALID_ARGUMENT,
                        "input 'float_input' has both typed contents and raw_input_contents; use one or the other"),
                Arguments.of("raw entries do not match the inputs", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.addRawInputContents(ByteString.EMPTY),
                        true, Status.Code.INVALID_ARGUMENT, "raw_input_contents has 2 entries for 1 inputs"),
                Arguments.of("unknown model", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setModelName("nope"),
                        false, Status.Code.NOT_FOUND, "model 'nope' is not known"),
                Arguments.of("unknown version", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setModelVersion("7"),
                        false, Status.Code.NOT_FOUND, "model 'iris' has no version '7' loaded"),
                Arguments.of("unknown requested output", (UnaryOperator<ModelInferRequest.Builder>) b -> b.addOutputs(
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("nope")),
                        false, Status.Code.INVALID_ARGUMENT, "nope"),
                Arguments.of("no inputs", (UnaryOperator<ModelInferRequest.Builder>) b -> b.clearInputs(),
                        false, Status.Code.INVALID_ARGUMENT, "the request has no inputs"),
                // Triton's shared-memory extensions: a client of Triton's sends no contents, only the region
                Arguments.of("input in shared memory", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setInputs(0,
                        b.getInputs(0).toBuilder().clearContents()
                                .putParameters("shared_memory_region", InferParameter.newBuilder().setStringParam("in0").build())
                                .putParameters("shared_memory_byte_size", InferParameter.newBuilder().setInt64Param(320).build())),
                        false, Status.Code.UNIMPLEMENTED, "input 'float_input' is in shared memory (parameter "
                                + "shared_memory_region), and KubeServe does not implement the shared-memory extensions;"
                                + " send its values in contents or raw_input_contents"),
                Arguments.of("one input raw, another in shared memory", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("mask").setDatatype("BOOL")
                                .addShape(20).putParameters("shared_memory_region",
                                        InferParameter.newBuilder().setStringParam("in1").build())),
                        true, Status.Code.UNIMPLEMENTED, "input 'mask' is in shared memory"),
                Arguments.of("output in shared memory", (UnaryOperator<ModelInferRequest.Builder>) b -> b.addOutputs(
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("output_label")
                                .putParameters("shared_memory_region", InferParameter.newBuilder().setStringParam("out0").build())),
                        true, Status.Code.UNIMPLEMENTED, "output 'output_label' is asked for in shared memory"),
                // the audit's cases: a shape whose product wraps around in a long, more dimensions than
                // REST takes, a BYTES shape its raw bytes cannot hold (refused before room is made for it)
                Arguments.of("shape product overflows", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setInputs(0,
                        b.getInputs(0).toBuilder().setShape(0, 2).setShape(1, Long.MAX_VALUE)),
                        false, Status.Code.INVALID_ARGUMENT, "is beyond 2147483647"),
                Arguments.of("shape product wraps to the element count", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.setInputs(0, b.getInputs(0).toBuilder().setShape(0, 20).setShape(1, (1L << 62) + 4)),
                        false, Status.Code.INVALID_ARGUMENT, "too large"),
                Arguments.of("33 dimensions", (UnaryOperator<ModelInferRequest.Builder>) b -> b.setInputs(0,
                        b.getInputs(0).toBuilder().clearShape().addAllShape(Collections.nCopies(33, 1L))),
                        false, Status.Code.INVALID_ARGUMENT, "input 'float_input': shape has more than 32 dimensions"),
                Arguments.of("raw BYTES shape its bytes cannot hold", (UnaryOperator<ModelInferRequest.Builder>) b ->
                        b.setInputs(0, b.getInputs(0).toBuilder().setDatatype("BYTES").clearShape().addShape(1L << 30))
                                .setRawInputContents(0, ByteString.copyFrom(new byte[4])),
                        true, Status.Code.INVALID_ARGUMENT, "raw_input_contents of BYTES input 'float_input' has 4 bytes, "
                                + "too few for the 1073741824 elements of shape [1073741824]"),
                Arguments.of("output requested twice", (UnaryOperator<ModelInferRequest.Builder>) b -> b
                        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("output_label"))
                        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("output_label")),
                        false, Status.Code.INVALID_ARGUMENT, "output 'output_label' is requested more than once"),
                Arguments.of("nothing wrong", same, false, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestGetsItsStatusAndTheServerStaysHealthy(String what, UnaryOperator<ModelInferRequest.Builder> change,
                                                         boolean raw, Status.Code code, String message) {
        ModelInferRequest request = change.apply(raw ? iris.rawRequest() : iris.typedRequest()).build();
        if (code == null) {
            checkAgainstReference(Decoded.of(stub.modelInfer(request)));
        } else {
            assertThatThrownBy(() -> stub.modelInfer(request))
                    .satisfies(e -> assertThat(codeOf(e)).isEqualTo(code))
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains(message));
        }
        assertThat(health("")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        checkAgainstReference(Decoded.of(stub.modelInfer(iris.typedRequest().build())));
    }

    /**
     * A Triton client registers a shared-memory region before using it; that RPC is not part of the
     * service, so grpc-java answers UNIMPLEMENTED, and the client can fall back to sending contents.
     */
    @Test
    void tritonsSharedMemoryRegistrationIsUnimplemented() {
        MethodDescriptor<byte[], byte[]> register = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("inference.GRPCInferenceService/SystemSharedMemoryRegister")
                .setRequestMarshaller(RawMessages.BYTES).setResponseMarshaller(RawMessages.BYTES).build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, register,
                CallOptions.DEFAULT.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS), new byte[0]))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNIMPLEMENTED));
        assertThat(health("")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void missingOrWrongTokenIsUnauthenticatedButProbesAreOpen() {
        assertThatThrownBy(() -> anonymous.modelInfer(iris.typedRequest().build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAUTHENTICATED))
                .hasMessageContaining("missing bearer token: send the metadata 'authorization: Bearer <API token>'");
        assertThatThrownBy(() -> anonymous.withInterceptors(Iris.bearer("wrong")).modelMetadata(
                ModelMetadataRequest.newBuilder().setName("iris").build()))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAUTHENTICATED))
                .hasMessageContaining("the bearer token is not a valid API token");
        assertThat(anonymous.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        assertThat(health("")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static HealthCheckResponse.ServingStatus health(String service) {
        return HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus();
    }

    private static void checkAgainstReference(Decoded response) {
        int labelAt = response.names.indexOf("output_label");
        int probabilitiesAt = response.names.indexOf("output_probability");
        int classNameAt = response.names.indexOf("class_name");
        assertThat(labelAt).isNotNegative();
        assertThat(probabilitiesAt).isNotNegative();
        assertThat(classNameAt).isNotNegative();
        assertThat(response.types.get(labelAt)).isEqualTo("INT64");
        assertThat(response.types.get(classNameAt)).isEqualTo("BYTES");
        List<Object> labels = response.values.get(labelAt);
        List<Object> probabilities = response.values.get(probabilitiesAt);
        List<Object> classNames = response.values.get(classNameAt);
        int rows = iris.rows.length;
        assertThat(response.shapes.get(probabilitiesAt)).containsExactly((long) rows, 3L);
        for (int row = 0; row < rows; row++) {
            assertThat(((Number) labels.get(row)).intValue()).isEqualTo(iris.expectedLabel(row));
            assertThat(classNames.get(row)).isEqualTo(iris.labels.get(iris.expectedLabel(row)));
            for (int c = 0; c < 3; c++) {
                assertThat(((Number) probabilities.get(row * 3 + c)).doubleValue())
                        .isCloseTo(iris.expectedProbability(row, c), within(iris.probabilityTolerance()));
            }
        }
    }

    /** A response's outputs decoded from whichever form they came in, as plain Java values. */
    record Decoded(List<String> names, List<String> types, List<List<Long>> shapes, List<List<Object>> values) {

        static Decoded of(ModelInferResponse response) {
            List<String> names = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<List<Long>> shapes = new ArrayList<>();
            List<List<Object>> values = new ArrayList<>();
            for (int i = 0; i < response.getOutputsCount(); i++) {
                ModelInferResponse.InferOutputTensor output = response.getOutputs(i);
                names.add(output.getName());
                types.add(output.getDatatype());
                shapes.add(output.getShapeList());
                int size = output.getShapeList().stream().mapToInt(Long::intValue).reduce(1, (a, b) -> a * b);
                values.add(response.getRawOutputContentsCount() > 0
                        ? fromRaw(output.getDatatype(), size, response.getRawOutputContents(i))
                        : fromTyped(output.getDatatype(), output.getContents()));
            }
            return new Decoded(names, types, shapes, values);
        }

        private static List<Object> fromTyped(String type, InferTensorContents contents) {
            return switch (type) {
                case "FP32" -> new ArrayList<>(contents.getFp32ContentsList());
                case "INT64" -> new ArrayList<>(contents.getInt64ContentsList());
                case "BYTES" -> new ArrayList<>(contents.getBytesContentsList().stream().map(ByteString::toStringUtf8)
                        .toList());
                default -> throw new AssertionError("unexpected output type " + type);
            };
        }

        private static List<Object> fromRaw(String type, int size, ByteString raw) {
            ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                switch (type) {
                    case "FP32" -> out.add(buffer.getFloat());
                    case "INT64" -> out.add(buffer.getLong());
                    case "BYTES" -> {
                        byte[] element = new byte[buffer.getInt()];
                        buffer.get(element);
                        out.add(new String(element, StandardCharsets.UTF_8));
                    }
                    default -> throw new AssertionError("unexpected output type " + type);
                }
            }
            assertThat(buffer.hasRemaining()).as("raw bytes after the elements").isFalse();
            return out;
        }
    }
}
