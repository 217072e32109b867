package io.kubeserve.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelReadyRequest;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A closed-loop gRPC load client for the Open Inference Protocol's {@code ModelInfer}: the
 * counterpart of wrk for the REST scripts, since ghz is not available here.
 *
 * <pre>{@code
 * java -cp kubeserve-bench/target/benchmarks.jar io.kubeserve.bench.GrpcLoad --port 8081 \
 *     --connections 8 --concurrency 8 --warmup 5 --duration 10 --model iris --input iris
 * }</pre>
 *
 * <p>It opens {@code --connections} channels to 127.0.0.1 (each one HTTP/2 connection; no other
 * host is accepted: a load test only targets this machine), checks the server is live and the
 * model ready, then keeps {@code --concurrency} calls in flight with asynchronous stubs: one
 * sender thread takes a permit of a semaphore of that size for each call and the call's
 * completion gives it back, so there is no thread per request. Channels are used round robin.
 * Every call sends the same request (see {@link LoadInput}) with a deadline of
 * {@code --timeout-ms}. After {@code --warmup} seconds the counts start over; after
 * {@code --duration} more seconds the run stops by itself and waits for the calls still in flight.
 *
 * <p>Prints progress to stderr and one Markdown table row ({@link LoadReport#markdownRow()}) to
 * stdout, with {@code --header} the table's header first. With {@code --write-rest-body FILE} it
 * instead writes the REST body that carries the same tensor and prints, for a binary body, its
 * {@code Inference-Header-Content-Length}: the load scripts hand that body to wrk. With
 * {@code --write-grpc-body FILE} it writes the ModelInfer request as the HTTP/2 body of a gRPC
 * call, for h2load.
 *
 * <p>Exit status: 0 after a run (errors are in the row), 1 when the server cannot be reached or
 * the model is not ready, 2 for bad arguments.
 */
@Command(name = "GrpcLoad", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Closed-loop gRPC ModelInfer load against 127.0.0.1; prints one Markdown table row.")
public final class GrpcLoad implements Callable<Integer> {

    /** The only host a load run targets. */
    public static final String HOST = "127.0.0.1";

    @Option(names = "--host", defaultValue = HOST, description = "Only 127.0.0.1 is accepted (default ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", description = "The server's gRPC port (required for a run).")
    private int port;

    @Option(names = "--connections", defaultValue = "1", description = "Channels, one HTTP/2 connection each (default ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--concurrency", defaultValue = "8", description = "Calls in flight across all channels (default ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds (default ${DEFAULT-VALUE}).")
    private double durationSeconds;

    @Option(names = "--warmup", defaultValue = "5", description = "Seconds of load before measuring (default ${DEFAULT-VALUE}).")
    private double warmupSeconds;

    @Option(names = "--model", defaultValue = "iris", description = "Model name (default ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--input", defaultValue = "iris",
            description = "iris (FP32 1x4 typed), wide (FP32 64x256 raw contents) or wide-typed (default ${DEFAULT-VALUE}).")
    private String input;

    @Option(names = "--input-name", description = "Tensor name instead of the preset's (float_input for iris, input for wide).")
    private String inputName;

    @Option(names = "--shape", description = "Shape instead of the preset's, as RxC (e.g. 64x4).")
    private String shape;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the wide inputs' values (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--timeout-ms", defaultValue = "5000", description = "Deadline of each call (default ${DEFAULT-VALUE}).")
    private long timeoutMs;

    @Option(names = "--label", description = "First cell of the row (default: 'grpc MODEL SHAPE raw|typed').")
    private String label;

    @Option(names = "--header", description = "Print the table header before the row.")
    private boolean header;

    @Option(names = "--write-rest-body", paramLabel = "FILE",
            description = "Write the REST V2 body with the same tensor, print its JSON header length when binary, and exit.")
    private Path restBody;

    @Option(names = "--write-grpc-body", paramLabel = "FILE",
            description = "Write the ModelInfer request for --model as a gRPC length-prefixed message (the HTTP/2 "
                    + "body an independent client such as h2load posts), and exit.")
    private Path grpcBody;

    /**
     * What a run does. Validated when built.
     *
     * @param host must be {@value GrpcLoad#HOST}
     * @param port the gRPC port, 1 to 65535
     * @param connections channels, at least 1
     * @param concurrency calls in flight, at least 1
     * @param warmup load before the measurement, zero or more
     * @param duration the measurement window, more than zero
     * @param timeout each call's deadline, more than zero
     * @param model the model's name
     * @param input the tensor every call sends
     * @param label the first cell of the report's row
     */
    public record Settings(String host, int port, int connections, int concurrency, Duration warmup,
                           Duration duration, Duration timeout, String model, LoadInput input, String label) {

        /**
         * Checks every field.
         *
         * @param host must be {@value GrpcLoad#HOST}
         * @param port the gRPC port
         * @param connections channels
         * @param concurrency calls in flight
         * @param warmup load before the measurement
         * @param duration the measurement window
         * @param timeout each call's deadline
         * @param model the model's name
         * @param input the tensor every call sends
         * @param label the first cell of the report's row
         * @throws IllegalArgumentException naming the field and the accepted values
         */
        public Settings {
            if (!HOST.equals(host)) {
                throw new IllegalArgumentException("refusing to load '" + host + "': a load test only targets " + HOST);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--port must be the gRPC port, 1 to 65535, got " + port);
            }
            if (connections < 1 || concurrency < 1) {
                throw new IllegalArgumentException("--connections and --concurrency must be at least 1, got "
                        + connections + " and " + concurrency);
            }
            if (warmup.isNegative() || duration.isNegative() || duration.isZero() || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("--duration and --timeout-ms must be positive and --warmup at least 0");
            }
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("--model must name a model");
            }
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(label, "label");
        }
    }

    /** Failures of the checks before the load starts: the server is not there or not ready. */
    public static final class NotReadyException extends Exception {
        private static final long serialVersionUID = 1L;

        NotReadyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Created by picocli from the command line; see {@link #main}. */
    public GrpcLoad() {
    }

    /**
     * Runs the command line (see the class description) and exits with its status.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new GrpcLoad()).execute(args));
    }

    /**
     * The command: writes the REST body, or runs the load and prints the row.
     *
     * @return the exit status
     * @throws Exception when writing the body fails, or the run is interrupted
     */
    @Override
    public Integer call() throws Exception {
        PrintWriter err = new PrintWriter(System.err, true);
        LoadInput tensor;
        Settings settings;
        try {
            tensor = LoadInput.preset(input, inputName, shape, seed);
            if (restBody != null) {
                Files.write(restBody, tensor.restBody());
                if (tensor.raw()) {
                    System.out.println(tensor.restJsonHeaderLength());
                }
                return 0;
            }
            if (grpcBody != null) {
                Files.write(grpcBody, lengthPrefixed(tensor.grpcRequest(model).toByteArray()));
                return 0;
            }
            settings = new Settings(host, port, connections, concurrency, seconds(warmupSeconds, "--warmup"),
                    seconds(durationSeconds, "--duration"), Duration.ofMillis(timeoutMs), model, tensor,
                    label != null ? label : "grpc " + model + " " + tensor.describe());
        } catch (IllegalArgumentException e) {
            err.println("GrpcLoad: " + e.getMessage());
            return 2;
        }
        try {
            LoadReport report = run(settings, System.err);
            if (header) {
                System.out.println(LoadReport.markdownHeader());
            }
            System.out.println(report.markdownRow());
            return 0;
        } catch (NotReadyException e) {
            err.println("GrpcLoad: " + e.getMessage());
            return 1;
        }
    }

    /**
     * A message as gRPC frames it on HTTP/2: a compressed-flag byte (0), the length as a big-endian
     * 32-bit integer, then the message ("Length-Prefixed-Message" in gRPC's PROTOCOL-HTTP2.md).
     *
     * @param message the serialized protobuf message
     * @return a new array of {@code message.length + 5} bytes
     */
    static byte[] lengthPrefixed(byte[] message) {
        return java.nio.ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    }

    /**
     * Runs one load: opens the channels, checks the server, warms up, measures, waits for the calls
     * in flight (at most their deadline) and closes the channels. Blocks for about
     * warm-up + duration.
     *
     * @param settings what to run
     * @param progress where the phases are reported (one line each)
     * @return the measurement
     * @throws NotReadyException when ServerLive fails or the model is not ready (nothing was loaded)
     * @throws InterruptedException when interrupted; the channels are closed
     */
    public static LoadReport run(Settings settings, PrintStream progress) throws NotReadyException, InterruptedException {
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < settings.connections(); i++) {
                channels.add(NettyChannelBuilder.forAddress(settings.host(), settings.port())
                        .usePlaintext()
                        // the completion only counts and releases a permit: run it on the event loop
                        .directExecutor()
                        .maxInboundMessageSize(64 << 20)
                        .build());
            }
            List<GRPCInferenceServiceGrpc.GRPCInferenceServiceStub> stubs = new ArrayList<>();
            for (ManagedChannel channel : channels) {
                checkReady(channel, settings);
                stubs.add(GRPCInferenceServiceGrpc.newStub(channel));
            }
            return drive(settings, stubs, progress);
        } finally {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Also opens each channel's connection, so connecting is not part of the warm-up's first calls. */
    private static void checkReady(ManagedChannel channel, Settings settings) throws NotReadyException {
        String where = settings.host() + ":" + settings.port();
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        try {
            if (!stub.withDeadlineAfter(10, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance()).getLive()) {
                throw new NotReadyException("the server at " + where + " says it is not live", null);
            }
        } catch (StatusRuntimeException e) {
            throw new NotReadyException("no gRPC server answers at " + where + ": " + describe(e.getStatus()), e);
        }
        try {
            boolean ready = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .modelReady(ModelReadyRequest.newBuilder().setName(settings.model()).build()).getReady();
            if (!ready) {
                throw new NotReadyException("model '" + settings.model() + "' is not ready at " + where, null);
            }
        } catch (StatusRuntimeException e) {
            throw new NotReadyException("model '" + settings.model() + "' is not ready at " + where + ": "
                    + describe(e.getStatus()), e);
        }
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    }

    private static LoadReport drive(Settings settings, List<GRPCInferenceServiceGrpc.GRPCInferenceServiceStub> stubs,
                                    PrintStream progress) throws InterruptedException {
        ModelInferRequest request = settings.input().grpcRequest(settings.model());
        Semaphore window = new Semaphore(settings.concurrency());
        long timeoutNanos = settings.timeout().toNanos();
        Phase warmup = new Phase();
        Phase measured = new Phase();
        Phase after = new Phase();
        AtomicReference<Phase> current = new AtomicReference<>(warmup);
        progress.printf("GrpcLoad: %s, %d connection(s), %d in flight, %s (message %d bytes), warm-up %.1f s,"
                        + " measuring %.1f s%n",
                settings.label(), settings.connections(), settings.concurrency(), settings.input().describe(),
                request.getSerializedSize(),
                settings.warmup().toNanos() / 1e9, settings.duration().toNanos() / 1e9);

        long start = System.nanoTime();
        long measureFrom = start + settings.warmup().toNanos();
        long end = measureFrom + settings.duration().toNanos();
        long measuredFrom = start;
        Phase phase = warmup;
        int next = 0;
        while (true) {
            long now = System.nanoTime();
            if (phase == warmup && now - measureFrom >= 0) {
                phase = measured;
                measuredFrom = now;
                current.set(measured);
                progress.printf("GrpcLoad: warm-up done, %d OK, %d failed%n", warmup.latencies.getTotalCount(),
                        warmup.errorCount());
            }
            if (now - end >= 0) {
                break;
            }
            long wait = (phase == warmup ? measureFrom : end) - now;
            if (!window.tryAcquire(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS)) {
                continue;
            }
            var stub = stubs.get(next);
            next = (next + 1) % stubs.size();
            long sent = System.nanoTime();
            stub.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS).modelInfer(request, new StreamObserver<>() {
                private boolean outputs;

                @Override
                public void onNext(ModelInferResponse response) {
                    outputs = response.getOutputsCount() > 0;
                }

                @Override
                public void onError(Throwable failure) {
                    current.get().error(Status.fromThrowable(failure).getCode().name());
                    window.release();
                }

                @Override
                public void onCompleted() {
                    Phase at = current.get();
                    if (outputs) {
                        at.latencies.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                    } else {
                        at.error("NO_OUTPUTS");
                    }
                    window.release();
                }
            });
        }
        long measuredTo = System.nanoTime();
        current.set(after);
        Histogram latencies = measured.latencies.copy();
        Map<String, Long> errors = measured.errorsSnapshot();
        // the calls still in flight finish (or reach their deadline) before the channels close
        if (!window.tryAcquire(settings.concurrency(), timeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS)) {
            progress.println("GrpcLoad: some calls were still in flight after their deadline; closing anyway");
        }
        double seconds = (measuredTo - measuredFrom) / 1e9;
        boolean any = latencies.getTotalCount() > 0;
        LoadReport report = new LoadReport(settings.label(), stubs.size(), settings.concurrency(), seconds,
                latencies.getTotalCount(),
                any ? latencies.getValueAtPercentile(50) / 1000.0 : 0,
                any ? latencies.getValueAtPercentile(90) / 1000.0 : 0,
                any ? latencies.getValueAtPercentile(99) / 1000.0 : 0,
                any ? latencies.getMaxValue() / 1000.0 : 0,
                errors);
        progress.printf("GrpcLoad: %d OK in %.2f s, %d failed%s%n", report.completed(), seconds, report.errorCount(),
                errors.isEmpty() ? "" : " " + errors);
        return report;
    }

    private static Duration seconds(double value, String option) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(option + " must be a number of seconds, got " + value);
        }
        return Duration.ofNanos(Math.round(value * 1e9));
    }

    /** Counts of one phase of a run; written from the channels' event loops. */
    private static final class Phase {
        /** Latency of OK calls in microseconds; resizes itself, 3 significant digits. */
        final ConcurrentHistogram latencies = new ConcurrentHistogram(3);
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        void error(String code) {
            errors.computeIfAbsent(code, c -> new LongAdder()).increment();
        }

        long errorCount() {
            return errors.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<String, Long> errorsSnapshot() {
            Map<String, Long> copy = new TreeMap<>();
            errors.forEach((code, count) -> copy.put(code, count.sum()));
            return copy;
        }
    }
}
