package io.kubeserve.bench;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor for KubeServe's HTTP overhead: Undertow answering every POST with fixed bytes (the
 * real server's response to the load harness's request), with no routing, codec, model or metrics.
 *
 * <p>It does what the real server does around the model, so the comparison is fair: reads the
 * whole body without blocking the I/O thread, hands the exchange to a fixed worker pool of the
 * same size, and sends from there with the same headers. Thread counts default like
 * {@code ServerConfig}'s. With {@code WORKERS} 0 it answers on the I/O thread instead, as the real
 * server does for a fast, idle model: the floor of the transport alone, beside {@link BareGrpcServer}.
 *
 * <pre>java -cp benchmarks.jar io.kubeserve.bench.BareUndertowServer PORT RESPONSE_FILE [IO_THREADS WORKERS]</pre>
 *
 * Listens on 127.0.0.1 only; stops on SIGTERM.
 */
public final class BareUndertowServer {

    private BareUndertowServer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: BareUndertowServer PORT RESPONSE_FILE [IO_THREADS WORKER_THREADS]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        byte[] response = Files.readAllBytes(Path.of(args[1]));
        int cores = Runtime.getRuntime().availableProcessors();
        int ioThreads = args.length > 2 ? Integer.parseInt(args[2]) : Math.max(1, cores);
        int workerThreads = args.length > 3 ? Integer.parseInt(args[3]) : Math.max(8, 4 * cores);

        AtomicInteger count = new AtomicInteger();
        // null: answer on the I/O thread
        ExecutorService workers = workerThreads == 0 ? null : Executors.newFixedThreadPool(workerThreads, runnable -> {
            Thread thread = new Thread(runnable, "bare-worker-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        Undertow undertow = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(ioThreads)
                .setWorkerThreads(Math.max(1, workerThreads))
                .setServerOption(UndertowOptions.ENABLE_STATISTICS, false)
                .setHandler(exchange -> handle(exchange, response, workers))
                .build();
        undertow.start();
        System.out.println("bare undertow listening on http://127.0.0.1:" + port + " (" + ioThreads
                + " I/O threads, " + workerThreads + " workers, " + response.length + "-byte answer)");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            undertow.stop();
            if (workers != null) {
                workers.shutdownNow();
            }
            stopped.countDown();
        }, "bare-shutdown"));
        stopped.await();
    }

    private static void handle(HttpServerExchange exchange, byte[] response, ExecutorService workers) {
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.setStatusCode(405);
            exchange.endExchange();
            return;
        }
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> {
                    if (workers == null) {
                        answer(ex, response);
                    } else {
                        ex.dispatch(workers, () -> answer(ex, response));
                    }
                },
                (ex, failure) -> {
                    ex.setStatusCode(400);
                    ex.endExchange();
                });
    }

    private static void answer(HttpServerExchange exchange, byte[] response) {
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.setResponseContentLength(response.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(response));
    }
}
