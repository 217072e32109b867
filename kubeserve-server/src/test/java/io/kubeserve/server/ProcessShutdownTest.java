package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the real server process while requests are in flight, as the kubelet sends it:
 * readiness turns 503 at once for new connections (then connections are refused once the listener
 * closes), every request already accepted completes with 200 over HTTP and OK over gRPC, the shutdown
 * hook logs its last line, and the process exits within the drain timeout.
 *
 * <p>Why a process: only then do the JVM's signal handling, the shutdown hook and the logging
 * system's own shutdown take part, which an in-process {@code close()} skips.
 */
class ProcessShutdownTest {

    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
    private static final int SLEEP_MILLIS = 300;
    private static final int REQUESTS = 20;
    private static final int GRPC_CALLS = 8;
    private static final int INSTANCES = 4;
    private static final int DRAIN_SECONDS = 10;
    private static final String BODY = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], \"data\": [1]}]}";

    @TempDir
    Path repo;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private Process process;
    private Thread reader;

    @AfterEach
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private record Outcome(String result, long endNanos) {
    }

    @Test
    void sigtermDrainsRequestsInFlightAndExitsWithinTheDrainTimeout() throws Exception {
        Files.createDirectories(repo.resolve("slow/1"));
        Files.writeString(repo.resolve("slow/1/model.slow"), Integer.toString(SLEEP_MILLIS));
        // 20 requests, 4 at a time: about 1.5 s of work queued when the signal comes
        Files.writeString(repo.resolve("slow/config.json"), "{\"instance_group\": [{\"count\": " + INSTANCES + "}], \"max_queue_size\": 64}");
        int grpcPort = TestTools.freePort();
        int port = start(grpcPort);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest infer = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/models/slow/infer"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/health/ready"))
                .timeout(Duration.ofSeconds(10)).build();
        assertThat(client.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        // a gRPC connection already up, so its calls reach the server in an instant
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance());
        List<CompletableFuture<Outcome>> inFlight = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            inFlight.add(client.sendAsync(infer, HttpResponse.BodyHandlers.ofString())
                    .handle((r, e) -> new Outcome(r != null ? String.valueOf(r.statusCode()) : e.getClass().getSimpleName(),
                            System.nanoTime())));
        }
        // then the gRPC calls, queued behind the HTTP requests
        List<ListenableFuture<ModelInferResponse>> grpcInFlight = new ArrayList<>();
        for (int i = 0; i < GRPC_CALLS; i++) {
            grpcInFlight.add(grpcCall(GRPCInferenceServiceGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)));
        }
        // once the first answer is back, all of them have long been received (they went out together)
        CompletableFuture.anyOf(inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        int answeredBeforeSignal = (int) inFlight.stream().filter(CompletableFuture::isDone).count();
        int grpcAnsweredBeforeSignal = (int) grpcInFlight.stream().filter(ListenableFuture::isDone).count();

        long signal = System.nanoTime();
        // SIGTERM, as Process.destroy() sends it, but without destroy()'s closing of our ends of the
        // child's pipes: after that, everything the child logs while draining is lost (EPIPE), which
        // once looked like a shutdown hook that never ran
        process.toHandle().destroy();

        // new connections, one after another, until the process has exited (generous: a hang guard)
        Map<String, Integer> probes = new TreeMap<>();
        AtomicLong firstNotReady = new AtomicLong(-1);
        AtomicBoolean readyAfterNotReady = new AtomicBoolean();
        await().atMost(Duration.ofSeconds(DRAIN_SECONDS + 50)).pollInSameThread().pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        return true;
                    }
                    String result = probeReadiness(port);
                    probes.merge(result, 1, Integer::sum);
                    if (!result.equals("200")) {
                        firstNotReady.compareAndSet(-1, System.nanoTime());
                    } else if (firstNotReady.get() >= 0) {
                        readyAfterNotReady.set(true);
                    }
                    return false;
                });
        boolean exited = process.waitFor(10, TimeUnit.SECONDS);
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signal);

        Map<String, Integer> outcomes = new TreeMap<>();
        long lastServed = signal;
        for (CompletableFuture<Outcome> future : inFlight) {
            Outcome outcome = future.get(30, TimeUnit.SECONDS);
            outcomes.merge(outcome.result(), 1, Integer::sum);
            if (outcome.result().equals("200")) {
                lastServed = Math.max(lastServed, outcome.endNanos());
            }
        }
        Map<String, Integer> grpcOutcomes = new TreeMap<>();
        for (ListenableFuture<ModelInferResponse> call : grpcInFlight) {
            grpcOutcomes.merge(grpcOutcome(call), 1, Integer::sum);
        }
        channel.shutdownNow();
        // the log is complete only once the reader has drained the pipe to its end
        reader.join(10_000);
        String childLog = String.join("\n", log);
        System.out.printf("ProcessShutdownTest: %d requests in flight at SIGTERM (%d answered before it): outcomes %s;"
                        + " %d gRPC calls in flight: %s;"
                        + " readiness probes after SIGTERM %s, first non-200 after %d ms; last request served %d ms"
                        + " after SIGTERM; process exited after %d ms (exit %s, drain timeout %d s)%n",
                REQUESTS - answeredBeforeSignal, answeredBeforeSignal, outcomes, GRPC_CALLS - grpcAnsweredBeforeSignal,
                grpcOutcomes, probes,
                firstNotReady.get() < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(firstNotReady.get() - signal),
                TimeUnit.NANOSECONDS.toMillis(lastServed - signal), exitMillis,
                exited ? String.valueOf(process.exitValue()) : "none", DRAIN_SECONDS);

        assertThat(exited).as("exited; log:\n%s", childLog).isTrue();
        // within the drain timeout: the server says when it gave up draining (asserted below), so no clock here
        assertThat(process.exitValue()).as("exit status after a drained SIGTERM; log:\n%s", childLog).isZero();
        // every request accepted before the signal was finished, none cut off
        assertThat(outcomes).as("outcomes of the requests in flight; log:\n%s", childLog).containsOnlyKeys("200");
        assertThat(grpcAnsweredBeforeSignal).as("gRPC calls answered before the signal").isLessThan(GRPC_CALLS);
        assertThat(grpcOutcomes).as("outcomes of the gRPC calls in flight; log:\n%s", childLog)
                .isEqualTo(Map.of("OK", GRPC_CALLS));
        // readiness failed while the drain was still going on, and never came back
        assertThat(probes).containsKey("503");
        // a probe sent before the JVM has handled the signal may still see 200; none after the first 503
        assertThat(probes.keySet()).isSubsetOf("200", "503", "connection refused", "connection reset");
        assertThat(firstNotReady.get()).isLessThan(lastServed);
        assertThat(readyAfterNotReady).isFalse();
        // the shutdown hook ran to its end, and logging was still up to say so
        assertThat(childLog).contains("KubeServeServer - stopped").doesNotContain("drain timeout; stopping anyway");
    }

    /** One ModelInfer of the slow model, as the stub starts it. */
    private static ListenableFuture<ModelInferResponse> grpcCall(GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub stub) {
        return stub.modelInfer(ModelInferRequest.newBuilder().setModelName("slow")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(1).addShape(1).setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
                .build());
    }

    /** "OK" for an answer with outputs, else what went wrong (a gRPC status code). */
    private static String grpcOutcome(ListenableFuture<ModelInferResponse> call) throws Exception {
        try {
            return call.get(30, TimeUnit.SECONDS).getOutputsCount() > 0 ? "OK" : "OK without outputs";
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode().name();
        }
    }

    /** Readiness on a connection of its own: its status, or how the connection failed. */
    private static String probeReadiness(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /v2/health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return statusLine == null ? "closed without answer" : statusLine.split(" ")[1];
        } catch (ConnectException e) {
            return "connection refused";
        } catch (java.net.SocketException e) {
            // connected in the instant the listener was closing, then reset by it
            return "connection reset";
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    /**
     * SIGTERM while the models still load (a pod stopped during its start, a rolling update called
     * off): the process ends at once with status 0 and says why, not with the JVM's 143, and
     * without a stack trace; it does not wait for the load.
     */
    @Test
    void sigtermWhileModelsLoadEndsTheProcessWithZero() throws Exception {
        Files.createDirectories(repo.resolve("slow/1"));
        Files.writeString(repo.resolve("slow/1/model.slow"), "0 60000"); // a load of 60 s
        CompletableFuture<Integer> port = new CompletableFuture<>();
        launch(TestTools.freePort(), port, new CompletableFuture<>());
        port.get(120, TimeUnit.SECONDS);
        // the listener is up and answers liveness; readiness waits for the model
        await().atMost(Duration.ofSeconds(60)).until(() -> String.join("\n", log).contains("loading models from"));

        long signal = System.nanoTime();
        process.toHandle().destroy();
        boolean exited = process.waitFor(30, TimeUnit.SECONDS);
        reader.join(10_000);
        String childLog = String.join("\n", log);
        System.out.printf("ProcessShutdownTest: SIGTERM during start-up: exit %s after %d ms%n",
                exited ? String.valueOf(process.exitValue()) : "none",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signal));
        assertThat(exited).as("exited long before the 60-s load; log:\n%s", childLog).isTrue();
        assertThat(process.exitValue()).as("exit status; log:\n%s", childLog).isZero();
        assertThat(childLog).contains("SIGTERM during start-up: exiting; the server is not ready yet")
                .doesNotContain("\tat ", "Shutdown in progress", "ready in");
    }

    /** Starts {@code Main} on this JVM's class path (which holds the test engines) and waits for ready. */
    private int start(int grpcPort) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        launch(grpcPort, port, ready);
        int listening = port.get(120, TimeUnit.SECONDS);
        ready.get(120, TimeUnit.SECONDS);
        assertThat(String.join("\n", log)).doesNotContain("NOT ready");
        return listening;
    }

    /**
     * Starts {@code Main} and a thread that keeps its log, completing {@code port} with the HTTP port
     * it listens on and {@code ready} at its "ready in" line (both fail if it ends first).
     */
    private void launch(int grpcPort, CompletableFuture<Integer> port, CompletableFuture<Void> ready) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.kubeserve.server.Main",
                "--model-repository", repo.toString(), "--host", "127.0.0.1", "--port", "0", "--grpc-port", String.valueOf(grpcPort),
                "--drain-timeout", String.valueOf(DRAIN_SECONDS));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().keySet().removeIf(key -> key.startsWith("KUBESERVE_"));
        process = builder.start();
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    log.add(line);
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        port.complete(Integer.parseInt(matcher.group(1)));
                    }
                    if (line.contains("ready in")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the stream ends with the process
            }
            IllegalStateException ended = new IllegalStateException("server ended; log:\n" + String.join("\n", log));
            port.completeExceptionally(ended);
            ready.completeExceptionally(ended);
        }, "child-log");
        reader.setDaemon(true);
        reader.start();
    }
}
