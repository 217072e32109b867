package io.kubeserve.bench;

import io.kubeserve.server.KubeServeServer;
import io.kubeserve.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One V2 JSON iris request over loopback to a server running in the same JVM, from one thread: the
 * latency a lone client sees, HTTP parsing, worker hand-off, codec and model included. The client
 * shares the JVM and the cores with the server, so this is a latency figure, not a throughput one;
 * the load harness measures throughput with the server in its own process.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ServerRoundTripBenchmark {

    private Path repository;
    private KubeServeServer server;
    private HttpClient client;
    private HttpRequest request;

    @Setup
    public void setUp() throws IOException, InterruptedException {
        repository = BenchModels.repository(BenchModels.IRIS);
        server = KubeServeServer.start(ServerConfig.defaults(repository).withHost("127.0.0.1").withPort(0));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/iris/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(BenchData.IRIS_V2_JSON))
                .build();
        HttpResponse<byte[]> first = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        String body = new String(first.body(), StandardCharsets.UTF_8);
        if (first.statusCode() != 200 || !body.contains("setosa")) {
            throw new IllegalStateException("server answered " + first.statusCode() + ": " + body);
        }
    }

    @TearDown
    public void tearDown() {
        server.close();
        BenchModels.delete(repository);
    }

    @Benchmark
    public byte[] v2JsonIris() throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            // a fast error page must not pass for a fast prediction
            throw new IllegalStateException("HTTP " + response.statusCode());
        }
        return response.body();
    }
}
