package io.kubeserve.examples;

import io.kubeserve.core.KubeServe;
import io.kubeserve.http.undertow.KubeServeHandler;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * KubeServe's HTTP API inside an application's own Undertow server: the application keeps its routes
 * ({@code /hello}) and mounts every KubeServe route (seed, KServe V1, Open Inference Protocol V2,
 * probes, {@code /metrics}, {@code /docs}) under {@code /ml}. Depending on {@code kubeserve-http}
 * brings no logging backend and no Kubernetes client: this module logs through slf4j-simple.
 *
 * <p>Run: {@code java -cp 'examples/target/kubeserve-examples.jar:examples/target/lib/*'
 * io.kubeserve.examples.EmbeddedHttp examples/models 8090}, then
 * {@code curl localhost:8090/ml/v2/models/iris}.
 *
 * <p>Owns what it starts: {@link #close()} stops the listener, then the models and the workers.
 */
public final class EmbeddedHttp implements AutoCloseable {

    private final KubeServe kubeServe;
    private final ExecutorService workers;
    private final Undertow undertow;

    /**
     * Loads every model under {@code repository}, then listens on 127.0.0.1.
     *
     * @param repository a model repository ({@code <model>/<version>/model.onnx}, ...)
     * @param port       TCP port; 0 takes a free one (see {@link #port()})
     */
    public EmbeddedHttp(Path repository, int port) {
        kubeServe = KubeServe.builder().repository(repository).build();
        // request bodies over 16 KiB are decoded here, never on Undertow's I/O threads
        workers = Executors.newFixedThreadPool(2);
        KubeServeHandler models = KubeServeHandler.builder(kubeServe.registry()).workers(workers).build();
        PathHandler routes = Handlers.path()
                .addExactPath("/hello", exchange -> {
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                    exchange.getResponseSender().send("the application's own route");
                })
                .addPrefixPath("/ml", models);
        undertow = Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(routes).build();
        undertow.start();
    }

    /** The port the listener is bound to. */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** Stops the listener, closes every model (native memory included), stops the workers. */
    @Override
    public void close() {
        undertow.stop();
        kubeServe.close();
        workers.shutdown();
    }

    public static void main(String[] args) {
        Path repository = Path.of(args.length > 0 ? args[0] : "examples/models");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8090;
        EmbeddedHttp app = new EmbeddedHttp(repository, port);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "embedded-http-shutdown"));
        System.out.println("listening on http://127.0.0.1:" + app.port() + "/ml (and /hello)");
    }
}
