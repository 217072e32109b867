package io.kubeserve.server;

import io.kubeserve.core.metrics.ModelMetrics;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.repository.remote.ModelRepositories;
import io.kubeserve.core.spi.ModelRepository;
import java.nio.file.Path;
import java.time.Duration;
import io.kubeserve.grpc.KubeServeGrpc;
import io.kubeserve.grpc.ClientAdmission;
import io.kubeserve.http.undertow.ClientBuckets;
import io.kubeserve.http.undertow.KubeServeHandler;
import io.kubeserve.http.undertow.Responses;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: opens the repository, listens at once (liveness answers, readiness says
 * 503 while models load), loads and warms up every model, then reports ready.
 *
 * <p>Owns, and closes in reverse order: the Undertow listener, the request workers, the model
 * registry (and with it every model's native memory), the meter registry.
 */
public final class KubeServeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KubeServeServer.class);

    /** Where a remote repository (s3://, http(s)://) is mirrored; default under java.io.tmpdir. */
    static final String CACHE_DIR_VARIABLE = "KUBESERVE_MODEL_CACHE_DIR";

    private final ServerConfig config;
    private final ModelRepository repository;
    private final ModelRegistry registry;
    private final PrometheusMeterRegistry meters;
    private final ExecutorService workers;
    private final KubeServeHandler handler;
    private final GracefulShutdownHandler graceful;
    private final Undertow undertow;
    private final int port;
    /** The Open Inference Protocol over gRPC; null when {@code grpcPort} is 0 (or until it is bound). */
    private volatile KubeServeGrpc grpc;
    /** Set by the thread that starts gRPC once its listener is bound. */
    private volatile boolean grpcUp;
    /** One rate limit budget per client across HTTP and gRPC; null when rate limiting is off. */
    private final ClientBuckets buckets;
    private final AtomicInteger closed = new AtomicInteger();
    /**
     * How long after ready the JVM's meters are bound, unless a scrape of {@code /metrics} comes
     * first: the binders cost tens of ms of CPU on a cold JVM, which on one core would go to the
     * first predictions instead.
     */
    static final Duration JVM_METERS_DELAY = Duration.ofSeconds(2);

    private final Object metersLock = new Object();
    /** Set, under {@link #metersLock}, once the JVM's meters are bound (or the server closed first). */
    private volatile boolean metersBound;

    private KubeServeServer(ServerConfig config) {
        this.config = config;
        long start = System.nanoTime();
        repository = ModelRepositories.open(config.modelRepository(), cacheDir(), config.modelName());
        registry = new ModelRegistry(repository, ModelRegistry.defaultLoaders(), config.drainTimeout());
        meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicInteger threadCount = new AtomicInteger();
        workers = Executors.newFixedThreadPool(config.effectiveWorkerThreads(), runnable -> {
            Thread thread = new Thread(runnable, "kubeserve-worker-" + threadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        buckets = config.security().rateLimit() > 0
                ? new ClientBuckets(config.security().rateLimit(), config.security().rateLimitBurst(), 10_000) : null;
        KubeServeHandler.Builder handlerBuilder = KubeServeHandler.builder(registry)
                .meters(meters)
                .workers(workers)
                .maxBodyBytes(config.maxBodyBytes())
                .defaultModel(config.defaultModel())
                .overloadStatus(config.overloadStatus())
                .requiredModels(config.requiredModels())
                .repositoryApi(config.adminToken(), config.controlMode().equals("explicit"))
                .version(Main.version())
                .apiTokens(config.security().authTokens(), config.security().protectProbes(),
                        config.security().protectMetrics())
                .rateLimit(config.security().rateLimit(), config.security().rateLimitBurst())
                // gRPC clients reach a ready pod too: readiness waits for their listener as well
                .readyWhen(() -> config.grpcPort() == 0 || grpcUp, "the gRPC listener is starting")
                // the JVM's meters are bound after ready (JVM_METERS_DELAY) or by the first scrape
                .beforeScrape(this::bindMetersOnce);
        if (buckets != null) {
            handlerBuilder.rateLimit(buckets);
        }
        handler = handlerBuilder.build();
        graceful = new GracefulShutdownHandler(handler);
        SSLContext tls = config.security().sslContext();
        XnioMBeans.skipUnlessKept();
        Undertow.Builder listener = Undertow.builder()
                .setIoThreads(config.effectiveIoThreads())
                .setWorkerThreads(config.effectiveWorkerThreads())
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, config.maxBodyBytes())
                .setServerOption(UndertowOptions.ENABLE_STATISTICS, false)
                .setHandler(refusedWhileDraining(handler, graceful));
        hardened(listener, config.security());
        if (tls != null) {
            // HTTP/2 only with TLS: negotiated by ALPN; plain-text clients keep HTTP/1.1 without h2c upgrades
            listener.addHttpsListener(config.port(), config.host(), tls)
                    .setServerOption(UndertowOptions.ENABLE_HTTP2, true);
        } else {
            listener.addHttpListener(config.port(), config.host());
        }
        undertow = listener.build();
        undertow.start();
        port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        LOG.info("listening on {}://{}:{} ({} I/O threads, {} workers, body limit {} bytes)",
                tls != null ? "https" : "http", config.host(), port, config.effectiveIoThreads(),
                config.effectiveWorkerThreads(), config.maxBodyBytes());
        logSecurity(config.security());
        logRepositoryApi(config);
        // gRPC's classes (Netty, protobuf) take a while on a cold JVM: its listener starts beside the model loads
        CompletableFuture<KubeServeGrpc> grpcStarted = config.grpcPort() > 0
                ? CompletableFuture.supplyAsync(() -> startGrpc(config, tls), ownThread("kubeserve-grpc-start"))
                : CompletableFuture.completedFuture(null);
        try {
            LOG.info("loading models from {}", config.modelRepository());
            // the models' meters before the models: they count from the first request
            new ModelMetrics(registry).bindTo(meters);
            registry.loadAll(Math.max(1, Runtime.getRuntime().availableProcessors()));
            grpc = joinUnwrapped(grpcStarted);
            if (config.controlMode().equals("poll")) {
                registry.pollEvery(config.pollInterval().toSeconds());
                LOG.info("polling {} for model changes every {} s", config.modelRepository(),
                        config.pollInterval().toSeconds());
            }
        } catch (RuntimeException e) {
            // a gRPC listener bound after the failure is closed too
            grpcStarted.thenAccept(started -> {
                if (started != null) {
                    started.close();
                }
            });
            close();
            throw e;
        }
        for (ModelStatus status : registry.statuses()) {
            LOG.info("model {} version {}: {}{}", status.name(), status.version(), status.state(),
                    status.reason() == null ? " in " + status.loadMillis() + " ms" : " (" + status.reason() + ")");
        }
        LOG.info("{} in {} ms", registry.isReady() ? "ready" : "started, NOT ready",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        CompletableFuture.runAsync(this::bindMetersOnce, CompletableFuture.delayedExecutor(
                JVM_METERS_DELAY.toMillis(), TimeUnit.MILLISECONDS, ownThread("kubeserve-metrics-bind")));
    }

    private static Path cacheDir() {
        String configured = System.getenv(CACHE_DIR_VARIABLE);
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"), "kubeserve-models");
    }

    /**
     * Limits that keep one client from tying up the server: headers of 16 KiB (Undertow's default
     * is 1 MiB), 100 headers, 100 query parameters (the API reads none), a deadline for the headers
     * of each request (against clients that send them a byte at a time) and for idle connections.
     */
    private static void hardened(Undertow.Builder listener, SecurityConfig security) {
        int headerTimeout = (int) Math.min(Integer.MAX_VALUE, security.headerTimeout().toMillis());
        int idleTimeout = (int) Math.min(Integer.MAX_VALUE, security.idleTimeout().toMillis());
        listener.setServerOption(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                .setServerOption(UndertowOptions.HTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16 * 1024)
                .setServerOption(UndertowOptions.MAX_HEADERS, 100)
                .setServerOption(UndertowOptions.MAX_PARAMETERS, 100)
                .setServerOption(UndertowOptions.MAX_COOKIES, 50)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, headerTimeout)
                // a kept-alive connection waiting for its next request gets as long as an idle one
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, idleTimeout)
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, idleTimeout);
    }

    /**
     * The gRPC adapter on the same registry, workers, meters, tokens, TLS certificate, message
     * limit and rate limit buckets as HTTP; bound beside the model loads, it answers health (NOT_SERVING)
     * and liveness while they run, like HTTP.
     */
    private KubeServeGrpc startGrpc(ServerConfig config, SSLContext tls) {
        KubeServeGrpc.Builder builder = KubeServeGrpc.builder(registry)
                .executor(workers)
                .eventLoopThreads(config.effectiveIoThreads())
                .meters(meters)
                .maxMessageBytes((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()))
                .requiredModels(config.requiredModels())
                .version(Main.version())
                // as long as HTTP gives a client for its headers; grpc-java's own default is 120 s. No idle
                // limit: HTTP's counts silent bytes, gRPC's would count time without a call, which ends
                // connections that round_robin clients keep open to every pod on purpose.
                .handshakeTimeout(config.security().headerTimeout());
        GrpcConnectionConfig connections = config.grpcConnections();
        if (!connections.maxConnectionAge().isZero()) {
            // no grace limit: calls and streams open on an aged connection run to their end
            builder.maxConnectionAge(connections.maxConnectionAge());
        }
        builder.keepAlive(connections.keepAliveTime(), connections.keepAliveTimeout())
                .permitKeepAlive(connections.permitKeepAliveTime(), connections.permitKeepAliveWithoutCalls())
                .maxConcurrentCallsPerConnection(connections.maxConcurrentStreams())
                .maxResetStreams(connections.maxRstStreams(), connections.rstStreamWindow());
        if (config.security().authEnabled()) {
            builder.apiTokens(config.security().authTokens());
        }
        if (config.repositoryApiOn()) {
            builder.repositoryApi(config.adminToken());
        }
        if (tls != null) {
            builder.tls(tls);
        }
        if (buckets != null) {
            // the HTTP adapter's buckets: a client has one budget across both protocols
            builder.rateLimit(new ClientAdmission() {
                @Override
                public long nanosUntilAdmitted(String client) {
                    return buckets.nanosUntilAdmitted(client);
                }

                @Override
                public String describeLimit() {
                    return buckets.perSecond() + " requests a second, burst " + buckets.burst()
                            + ", shared with HTTP";
                }
            });
        }
        KubeServeGrpc started = builder.build().start(config.host(), config.grpcPort());
        LOG.info("listening for gRPC (Open Inference Protocol, health, reflection) on {}:{}{}; {}", config.host(),
                started.port(), tls != null ? " with TLS" : "", connections.describe());
        grpcUp = true;
        return started;
    }

    /** Runs each task on a new daemon thread of that name: for the few one-off tasks of start and stop. */
    private static java.util.concurrent.Executor ownThread(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            thread.start();
        };
    }

    /** The stage's value; its failure rethrown as it was thrown (a bind error keeps its message). */
    private static <T> T joinUnwrapped(CompletableFuture<T> stage) {
        try {
            return stage.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Whether the repository API answers, and why not when it was half asked for. */
    private static void logRepositoryApi(ServerConfig config) {
        if (config.repositoryApiOn()) {
            LOG.info("model repository API on (admin token required)");
        } else if (config.controlMode().equals("explicit")) {
            LOG.warn("model control mode explicit but no admin token (--admin-token-file or KUBESERVE_ADMIN_TOKEN):"
                    + " the model repository API is off");
        } else if (config.adminToken() != null) {
            LOG.warn("an admin token is set but the model repository API is off: it answers only with"
                    + " --model-control-mode explicit");
        }
    }

    /** Says what is on, never a token. */
    private static void logSecurity(SecurityConfig security) {
        LOG.info("API authentication {}{}", security.authEnabled() ? "on, " + security.authTokens().size()
                + " token(s)" : "off", security.authEnabled() ? " (probes " + (security.protectProbes() ? "protected"
                : "open") + ", metrics " + (security.protectMetrics() ? "protected" : "open") + ")" : "");
        if (security.rateLimit() > 0) {
            LOG.info("rate limit {} requests/s per client, burst {}", security.rateLimit(), security.rateLimitBurst());
        }
    }

    /**
     * Starts a server and returns once its models are loaded (or have failed): the HTTP listener
     * (and the gRPC one when {@code grpcPort} > 0) answers liveness from the start and readiness
     * once the models are ready.
     *
     * @param config the settings
     * @return the running server, owned by the caller, who must {@link #close()} it
     * @throws RuntimeException when a port cannot be bound or the repository cannot be opened; what
     *                          was started is stopped again
     */
    public static KubeServeServer start(ServerConfig config) {
        return new KubeServeServer(config);
    }

    /**
     * Binds the JVM's meters the first time it is called (after ready, or by a scrape; the GC meters
     * count from then on). Later calls return at once; a scrape racing the first call waits for it.
     */
    private void bindMetersOnce() {
        if (metersBound) {
            return;
        }
        synchronized (metersLock) {
            if (!metersBound && closed.get() == 0) {
                try {
                    bindJvmMetrics();
                } catch (RuntimeException e) {
                    LOG.warn("JVM metrics not bound: {}", e.toString());
                }
            }
            metersBound = true;
        }
    }

    private void bindJvmMetrics() {
        new ClassLoaderMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
    }

    /**
     * The gRPC port listened on.
     *
     * @return the port, or -1 when gRPC is off ({@code grpcPort} 0)
     */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    /**
     * The HTTP port listened on (useful with port 0).
     *
     * @return the bound port
     */
    public int port() {
        return port;
    }

    /**
     * The registry behind both adapters: the models, their versions and leases. Owned by the
     * server and closed by {@link #close()}; callers must not close it.
     *
     * @return the registry
     */
    public ModelRegistry registry() {
        return registry;
    }

    /**
     * Once the drain has begun, a new request, a probe too, gets 503 with {@code {"error": ...}},
     * {@code Retry-After: 1} and {@code Connection: close}, so a client with a kept-alive
     * connection opens a new one, which the Service sends to a pod that is not stopping.
     * Undertow's {@link GracefulShutdownHandler} behind it counts the requests in flight (and would
     * answer a bare 503 to one that slipped past this check as the drain began).
     */
    private static HttpHandler refusedWhileDraining(KubeServeHandler api, GracefulShutdownHandler inFlight) {
        return exchange -> {
            if (api.isDraining()) {
                exchange.setPersistent(false);
                Responses.retryLater(exchange, 503, 1, "the server is shutting down; retry on another replica");
                return;
            }
            inFlight.handleRequest(exchange);
        };
    }

    /**
     * Graceful stop: readiness turns 503 (gRPC health NOT_SERVING) at once, new requests are refused
     * with 503 (gRPC clients get GOAWAY), requests and calls in flight get up to the drain timeout to
     * finish, then everything is closed. Safe to call more than once and from any thread.
     */
    @Override
    public void close() {
        if (closed.getAndIncrement() > 0) {
            return;
        }
        handler.startDraining();
        graceful.shutdown();
        // gRPC drains beside HTTP: health NOT_SERVING, GOAWAY, calls in flight finish
        CompletableFuture<Boolean> grpcDrained = grpc == null ? CompletableFuture.completedFuture(true)
                : CompletableFuture.supplyAsync(() -> grpc.drain(config.drainTimeout()),
                        ownThread("kubeserve-grpc-drain"));
        try {
            if (!graceful.awaitShutdown(config.drainTimeout().toMillis())) {
                LOG.warn("requests still running after the {} s drain timeout; stopping anyway",
                        config.drainTimeout().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!grpcDrained.join()) {
            LOG.warn("gRPC calls still running after the {} s drain timeout; cancelled",
                    config.drainTimeout().toSeconds());
        }
        undertow.stop();
        if (grpc != null) {
            grpc.close();
        }
        workers.shutdownNow();
        registry.close();
        if (repository instanceof java.io.Closeable closeable) {
            try {
                closeable.close();
            } catch (java.io.IOException e) {
                LOG.warn("closing the model store: {}", e.toString());
            }
        }
        meters.close();
        LOG.info("stopped");
    }
}
