package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.kubeserve.grpc.RawMessages;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferParameter;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelMetadataRequest;
import io.kubeserve.grpc.v2.ModelReadyRequest;
import io.kubeserve.grpc.v2.ModelStatisticsRequest;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated bad requests against the real server's gRPC port (the example models: iris on
 * OnnxRuntime, mlp on PyTorch), one at a time, as {@link BadRequestFuzzTest} does for HTTP. The
 * requests are built field by field with values that lie (shapes up to {@code Long.MAX_VALUE}, 33
 * dimensions, contents in the wrong field or of the wrong length, raw BYTES whose lengths lie,
 * unknown or duplicated names, odd parameters), or are a valid request's bytes truncated, flipped
 * or replaced by noise. Most go to {@code ModelInfer}; some go to {@code ModelStreamInfer} behind
 * a good request, and some to the metadata, readiness and statistics calls.
 *
 * <p>For each call, the status must be one a client can act on: OK, INVALID_ARGUMENT, NOT_FOUND,
 * UNIMPLEMENTED or RESOURCE_EXHAUSTED. It must never be UNKNOWN or INTERNAL, and it must arrive
 * within 10 s. Its description is at most 512 characters and holds no stack trace or class name.
 * In a stream, the good request is still answered, and a request's error message (in the stream's
 * answer, not in metadata) holds no stack trace either. Afterwards the server is SERVING and iris answers
 * as scikit-learn did.
 */
class GrpcFuzzTest {

    private static final int TRIES = 3_000;
    private static final long HANG_SECONDS = 10;
    private static final Set<Status.Code> ACTIONABLE = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND, Status.Code.UNIMPLEMENTED, Status.Code.RESOURCE_EXHAUSTED);

    private static RunningServer server;
    private static ManagedChannel channel;
    private static final Map<Status.Code, AtomicInteger> BY_STATUS = new ConcurrentSkipListMap<>();
    private static final Map<String, Map<Status.Code, Integer>> BY_KIND = new ConcurrentHashMap<>();

    /** What is sent: the method, the message's bytes, and how it was made (printed on failure). */
    record Hostile(String kind, MethodDescriptor<?, ?> method, byte[] message, String made) {
        @Override
        public String toString() {
            return kind + " to " + method.getBareMethodName() + ", " + message.length + " bytes: " + made;
        }
    }

    @BeforeContainer
    static void start() throws IOException {
        int grpcPort = TestTools.freePort();
        server = new RunningServer(ServerConfig.defaults(RunningServer.EXAMPLES).withGrpcPort(grpcPort));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
                .maxInboundMetadataSize(8192).build();
    }

    @Provide
    Arbitrary<Hostile> hostile() {
        return Arbitraries.randoms().map(GrpcFuzzTest::generate);
    }

    // each try is a call over loopback; the request is printed as sent instead of shrunk
    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void everyCallEndsWithAnActionableStatusInTime(@ForAll("hostile") Hostile request) throws Exception {
        Status status;
        String streamError = null;
        if (request.method() == GRPCInferenceServiceGrpc.getModelStreamInferMethod()) {
            StreamOutcome outcome = stream(request.message());
            status = outcome.status();
            streamError = outcome.secondError();
            assertThat(outcome.firstAnswered()).as("the good request before it was not answered: %s", request).isTrue();
        } else {
            try {
                ClientCalls.blockingUnaryCall(channel, RawMessages.of(request.method()),
                        CallOptions.DEFAULT.withDeadlineAfter(HANG_SECONDS, TimeUnit.SECONDS), request.message());
                status = Status.OK;
            } catch (StatusRuntimeException e) {
                status = e.getStatus();
            }
        }
        BY_STATUS.computeIfAbsent(status.getCode(), c -> new AtomicInteger()).incrementAndGet();
        BY_KIND.computeIfAbsent(request.kind(), k -> new ConcurrentSkipListMap<>()).merge(status.getCode(), 1, Integer::sum);

        String what = status + "\nfor " + request;
        assertThat(status.getCode()).as("not within %d s: %s", HANG_SECONDS, what)
                .isNotEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(ACTIONABLE).as(what).contains(status.getCode());
        checkDescription(status.getDescription(), what);
        if (streamError != null) {
            // a stream's error travels in a message, not in metadata: no length limit to keep
            assertThat(TestTools.LEAKED_INTERNALS.matcher(streamError).find()).as("internals leaked: %s", what).isFalse();
            assertThat(streamError).as(what).matches("(?s)(INVALID_ARGUMENT|NOT_FOUND|UNIMPLEMENTED): .*");
        }
    }

    private static void checkDescription(String description, String what) {
        if (description != null) {
            assertThat(description.length()).as("description too long: %s", what).isLessThanOrEqualTo(512);
            assertThat(TestTools.LEAKED_INTERNALS.matcher(description).find()).as("internals leaked: %s", what).isFalse();
        }
    }

    @AfterContainer
    static void serverIsStillHealthyAndCorrect() {
        try {
            int total = BY_STATUS.values().stream().mapToInt(AtomicInteger::get).sum();
            System.out.println("GrpcFuzzTest: " + total + " calls; by status " + new TreeMap<>(BY_STATUS));
            new TreeMap<>(BY_KIND).forEach((kind, counts) -> System.out.println("  " + kind + ": " + counts));
            assertThat(total).isEqualTo(TRIES);
            // the generators must reach answers and refusals alike, or they test less than they claim
            assertThat(BY_STATUS.keySet()).contains(Status.Code.OK, Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND);

            assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            ModelInferResponse iris = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(HANG_SECONDS, TimeUnit.SECONDS).modelInfer(irisRow());
            assertThat(iris.getOutputsList()).anySatisfy(output -> assertThat(output.getContents().getBytesContentsList())
                    .extracting(ByteString::toStringUtf8).containsExactly("setosa"));
        } finally {
            channel.shutdownNow();
            server.close();
        }
    }

    // ---- generation ------------------------------------------------------------------------

    private static final String[] MODELS = {"iris", "iris", "iris", "iris", "iris", "mlp", "mlp", "mlp", "", "nope",
        "../iris", "iris\u0000", "ü名", "m".repeat(3000)};
    private static final String[] VERSIONS = {"1", "7", "abc", "-1", "99999999999999999999", "", " "};
    private static final String[] INPUT_NAMES = {"float_input", "float_input", "input", "input", "", "x",
        "n".repeat(2000)};
    private static final String[] DATATYPES = {"FP32", "FP32", "FP32", "FP64", "INT64", "INT32", "INT8", "UINT8",
        "BOOL", "BYTES", "BYTES", "FP16", "FLOAT", "", "fp32"};
    private static final String[] OUTPUTS = {"output_label", "output_probability", "output", "class_name", "nope", ""};
    private static final long[] ODD_DIMS = {0, -1, Integer.MAX_VALUE, 1L << 31, (1L << 62) + 1, Long.MAX_VALUE,
        Long.MIN_VALUE, 1L << 30};

    static Hostile generate(Random random) {
        int roll = random.nextInt(20);
        if (roll < 12) {
            ModelInferRequest request = structured(random);
            return new Hostile("structured", GRPCInferenceServiceGrpc.getModelInferMethod(), request.toByteArray(),
                    abbreviate(request.toString()));
        }
        if (roll < 16) {
            byte[] mutated = mutate(random, irisRow().toByteArray());
            return new Hostile("mutated bytes", GRPCInferenceServiceGrpc.getModelInferMethod(), mutated,
                    Arrays.toString(mutated));
        }
        if (roll < 18) {
            if (random.nextBoolean()) {
                byte[] mutated = mutate(random, irisRow().toByteArray());
                return new Hostile("stream, mutated bytes", GRPCInferenceServiceGrpc.getModelStreamInferMethod(),
                        mutated, Arrays.toString(mutated));
            }
            ModelInferRequest request = structured(random);
            return new Hostile("stream, structured", GRPCInferenceServiceGrpc.getModelStreamInferMethod(),
                    request.toByteArray(), abbreviate(request.toString()));
        }
        String name = pick(random, MODELS);
        String version = random.nextBoolean() ? "" : pick(random, VERSIONS);
        return switch (random.nextInt(4)) {
            case 0 -> new Hostile("metadata", GRPCInferenceServiceGrpc.getModelMetadataMethod(),
                    ModelMetadataRequest.newBuilder().setName(name).setVersion(version).build().toByteArray(),
                    name.length() + "-character name, version '" + version + "'");
            case 1 -> new Hostile("ready", GRPCInferenceServiceGrpc.getModelReadyMethod(),
                    ModelReadyRequest.newBuilder().setName(name).setVersion(version).build().toByteArray(),
                    name.length() + "-character name, version '" + version + "'");
            case 2 -> new Hostile("statistics", GRPCInferenceServiceGrpc.getModelStatisticsMethod(),
                    ModelStatisticsRequest.newBuilder().setName(name).setVersion(version).build().toByteArray(),
                    name.length() + "-character name, version '" + version + "'");
            default -> {
                byte[] noise = new byte[random.nextInt(64)];
                random.nextBytes(noise);
                yield new Hostile("metadata, noise", GRPCInferenceServiceGrpc.getModelMetadataMethod(), noise,
                        Arrays.toString(noise));
            }
        };
    }

    /** A request built field by field, each field mostly plausible and sometimes a lie. */
    static ModelInferRequest structured(Random random) {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(pick(random, MODELS));
        if (random.nextInt(8) == 0) {
            request.setModelVersion(pick(random, VERSIONS));
        }
        if (random.nextInt(4) == 0) {
            request.setId(random.nextBoolean() ? "id-" + random.nextInt(100) : "i".repeat(random.nextInt(5000)));
        }
        boolean raw = random.nextBoolean();
        int inputs = random.nextInt(8) == 0 ? random.nextInt(4) : 1;
        for (int i = 0; i < inputs; i++) {
            String type = pick(random, DATATYPES);
            long[] shape = shape(random);
            ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(pick(random, INPUT_NAMES)).setDatatype(type);
            Arrays.stream(shape).forEach(input::addShape);
            int elements = plausibleCount(random, shape);
            if (raw) {
                request.addRawInputContents(rawContents(random, type, elements));
            } else if (random.nextInt(10) != 0) {
                input.setContents(typedContents(random, type, elements));
            }
            if (random.nextInt(30) == 0) {
                input.putParameters("shared_memory_region", InferParameter.newBuilder().setStringParam("r").build());
            }
            request.addInputs(input);
        }
        if (raw && random.nextInt(10) == 0) {
            request.addRawInputContents(ByteString.copyFrom(new byte[random.nextInt(16)]));
        }
        int outputs = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
        for (int i = 0; i < outputs; i++) {
            request.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(pick(random, OUTPUTS)));
        }
        if (random.nextInt(6) == 0) {
            InferParameter.Builder choice = InferParameter.newBuilder();
            switch (random.nextInt(3)) {
                case 0 -> choice.setBoolParam(random.nextBoolean());
                case 1 -> choice.setInt64Param(random.nextLong());
                default -> choice.setStringParam("true");
            }
            request.putParameters("binary_data_output", choice.build());
        }
        return request.build();
    }

    private static long[] shape(Random random) {
        int rank = switch (random.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 3;
            case 3 -> 33;
            default -> 2;
        };
        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = random.nextInt(8) == 0 ? ODD_DIMS[random.nextInt(ODD_DIMS.length)]
                    : d == rank - 1 && random.nextInt(4) != 0 ? 4 : random.nextInt(6);
        }
        return shape;
    }

    /** Mostly the shape's own element count (capped), sometimes one off, sometimes anything small. */
    private static int plausibleCount(Random random, long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = dim < 0 || dim > 1000 ? 1 + random.nextInt(8) : count * dim;
        }
        int own = (int) Math.min(count, 2000);
        return switch (random.nextInt(6)) {
            case 0 -> Math.max(0, own + (random.nextBoolean() ? 1 : -1));
            case 1 -> random.nextInt(10);
            default -> own;
        };
    }

    private static InferTensorContents typedContents(Random random, String type, int elements) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        // the datatype's own field most of the time, another one sometimes
        int field = random.nextInt(4) == 0 ? random.nextInt(8) : switch (type) {
            case "FP64" -> 1;
            case "INT64" -> 2;
            case "INT32", "INT8" -> 3;
            case "UINT8" -> 4;
            case "BOOL" -> 5;
            case "BYTES" -> 6;
            default -> 0;
        };
        for (int i = 0; i < elements; i++) {
            switch (field) {
                case 0 -> contents.addFp32Contents(random.nextInt(10) == 0 ? Float.NaN : random.nextFloat() * 8);
                case 1 -> contents.addFp64Contents(random.nextDouble());
                case 2 -> contents.addInt64Contents(random.nextLong());
                case 3 -> contents.addIntContents(random.nextInt());
                case 4 -> contents.addUintContents(random.nextInt());
                case 5 -> contents.addBoolContents(random.nextBoolean());
                case 6 -> contents.addBytesContents(ByteString.copyFromUtf8("b" + random.nextInt(100)));
                default -> contents.addUint64Contents(random.nextLong());
            }
        }
        return contents.build();
    }

    private static ByteString rawContents(Random random, String type, int elements) {
        if (type.equals("BYTES")) {
            ByteBuffer out = ByteBuffer.allocate(elements * 12 + 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < elements; i++) {
                int length = random.nextInt(5);
                // a length that lies now and then: longer than what follows, or negative
                out.putInt(random.nextInt(20) == 0 ? (random.nextBoolean() ? 1 << 30 : -1) : length);
                out.put(new byte[length]);
            }
            return ByteString.copyFrom(out.flip());
        }
        int size = switch (type) {
            case "FP64", "INT64" -> 8;
            case "INT8", "UINT8", "BOOL" -> 1;
            case "FP16" -> 2;
            default -> 4;
        };
        int length = elements * size + (random.nextInt(6) == 0 ? random.nextInt(7) - 3 : 0);
        byte[] bytes = new byte[Math.max(0, length)];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    /** A valid message cut short, with bytes flipped, inserted or dropped, or replaced by noise. */
    private static byte[] mutate(Random random, byte[] valid) {
        return switch (random.nextInt(4)) {
            case 0 -> Arrays.copyOf(valid, random.nextInt(valid.length));
            case 1 -> {
                byte[] out = valid.clone();
                for (int i = 1 + random.nextInt(8); i > 0; i--) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                }
                yield out;
            }
            case 2 -> {
                int at = random.nextInt(valid.length);
                byte[] inserted = new byte[1 + random.nextInt(4)];
                random.nextBytes(inserted);
                byte[] out = Arrays.copyOf(valid, valid.length + inserted.length);
                System.arraycopy(inserted, 0, out, at, inserted.length);
                System.arraycopy(valid, at, out, at + inserted.length, valid.length - at);
                yield out;
            }
            default -> {
                byte[] noise = new byte[random.nextInt(200)];
                random.nextBytes(noise);
                yield noise;
            }
        };
    }

    private static ModelInferRequest irisRow() {
        return ModelInferRequest.newBuilder().setModelName("iris").addInputs(ModelInferRequest.InferInputTensor
                .newBuilder().setName("float_input").setDatatype("FP32").addShape(1).addShape(4)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(5.1f).addFp32Contents(3.5f)
                        .addFp32Contents(1.4f).addFp32Contents(0.2f))).build();
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String abbreviate(String text) {
        return text.length() <= 2000 ? text : text.substring(0, 2000) + "... (" + text.length() + " characters)";
    }

    // ---- calls -----------------------------------------------------------------------------

    /** How a stream of a good request and then {@code message} ended. */
    private record StreamOutcome(Status status, boolean firstAnswered, String secondError) {
    }

    private static StreamOutcome stream(byte[] message) throws Exception {
        RawMessages.Streamed streamed = RawMessages.streamInfer(channel, HANG_SECONDS,
                irisRow().toBuilder().setId("good").build().toByteArray(), message);
        boolean firstAnswered = streamed.answers().stream().anyMatch(a -> a.getInferResponse().getId().equals("good")
                && a.getErrorMessage().isEmpty());
        String secondError = streamed.answers().stream().map(ModelStreamInferResponse::getErrorMessage)
                .filter(error -> !error.isEmpty()).findFirst().orElse(null);
        return new StreamOutcome(streamed.status(), firstAnswered, secondError);
    }
}
