package io.kubeserve.grpc;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.RecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2SecurityUtil;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.metrics.InferenceMetrics;
import io.kubeserve.core.metrics.Protocol;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The gRPC adapter: the Open Inference Protocol's {@code inference.GRPCInferenceService} (with
 * Triton's {@code ModelStreamInfer}, {@code ModelStatistics} and {@code RepositoryIndex}), the
 * standard {@code grpc.health.v1.Health} service and server reflection, on a core
 * {@link ModelRegistry}. It runs beside the HTTP adapter on the same registry, or alone.
 *
 * <pre>{@code
 * KubeServeGrpc grpc = KubeServeGrpc.builder(registry).executor(workers).meters(meters).build();
 * grpc.start(8081);
 * ...
 * grpc.drain(Duration.ofSeconds(30));   // on SIGTERM: GOAWAY, in-flight calls finish
 * grpc.close();
 * }</pre>
 *
 * <p>Health: the overall service ({@code ""}) and {@code inference.GRPCInferenceService} are
 * {@code SERVING} while the registry is ready (every required model ready, or any model when none
 * is required) and the adapter is not draining, {@code NOT_SERVING} otherwise; the status is
 * brought up to date on each model state change and before each health call. Health and
 * {@code ServerLive}/{@code ServerReady} need no token and are never rate limited, so Kubernetes
 * gRPC probes work.
 *
 * <p>Threads: calls run on the transport's event loops and never block them (a prediction is
 * asynchronous; the thread that finishes it sends the answer); the repository's load and unload,
 * which block while a model loads, run on the given executor. {@link #start} makes its own event
 * loops, {@linkplain Builder#eventLoopThreads one per core} by default (native epoll where Netty's
 * natives load, else NIO), and one thread that accepts connections; {@link #close} and
 * {@link #drain} stop them. The instance is thread-safe; it does not own the registry or the
 * executor and closes neither.
 *
 * <p>Netty's leak detector, which records a stack trace for one buffer in 128 to report leaks,
 * is turned off for gRPC's (shaded) Netty when the adapter starts, unless the system property
 * {@code io.grpc.netty.shaded.io.netty.leakDetection.level} is set: then that level stays.
 *
 * <p>{@link #start} also puts a filter on grpc-java's JVM-wide {@code NettyServerHandler} logger
 * (java.util.logging) that lowers two expected records from WARNING to FINE: a call refused because
 * its client started it after the server's GOAWAY ({@code REFUSED_STREAM}), which the client
 * retries by itself (or one beyond the connection's limit of concurrent calls), and an answer
 * dropped because its stream closed before it was sent: the client went away or the connection
 * closed ({@code STREAM_CLOSED} from Netty's flow control). A filter set there before is kept and
 * asked too.
 */
public final class KubeServeGrpc implements AutoCloseable {

    private static final String SERVICE = GRPCInferenceServiceGrpc.SERVICE_NAME;

    /** The methods whose requests are inference requests, for counting the unreadable ones. */
    private static final Set<String> INFER_METHODS = Set.of(
            GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getModelStreamInferMethod().getFullMethodName());

    /**
     * The health service name a liveness probe asks for ({@code grpc: {port: N, service: "liveness"}}):
     * SERVING while the process runs, models loaded or not, so an unready server is not restarted;
     * the overall name {@code ""} and {@code inference.GRPCInferenceService} follow readiness.
     */
    public static final String LIVENESS_SERVICE = "liveness";

    /**
     * The calls a connection may have open at once by default: 100, the least that RFC 9113
     * (section 6.5.2) recommends a server allow. See {@link Builder#maxConcurrentCallsPerConnection}.
     */
    public static final int DEFAULT_MAX_CONCURRENT_CALLS = 100;

    /**
     * The resets a connection may have in {@link #DEFAULT_RESET_STREAM_WINDOW} by default: see
     * {@link Builder#maxResetStreams}.
     */
    public static final int DEFAULT_MAX_RESET_STREAMS = 1000;

    /** The window {@link #DEFAULT_MAX_RESET_STREAMS} is counted in. */
    public static final Duration DEFAULT_RESET_STREAM_WINDOW = Duration.ofSeconds(10);

    /**
     * How the event loops read a connection: at most once a pass of the loop, up to 64 KiB (Netty's
     * adaptive sizing, 64 B to 64 KiB), instead of Netty's up to 16 reads. A connection with a
     * flood of calls waiting is then read a slice at a time between the other connections' calls:
     * under a Rapid Reset another client's calls got about 2.5 times as many answers with the reset
     * limit, 14 times without (medians, docs/BENCHMARKS.md). Requests just over 64 KiB to a trivial
     * model were served up to about 9 % fewer a second, a difference no run separated from the
     * spread between two JVMs of one setting. Thread-safe: the allocator makes one handle per
     * connection.
     */
    private static final RecvByteBufAllocator READ_ONCE_A_PASS = new AdaptiveRecvByteBufAllocator()
            .maxMessagesPerRead(1);

    /** The system property that sets the shaded Netty's leak detection level (as Netty's own does). */
    static final String LEAK_DETECTION_PROPERTY = "io.grpc.netty.shaded.io.netty.leakDetection.level";

    private final ModelRegistry registry;
    private final Set<String> requiredModels;
    private final Executor executor;
    private final SslContext ssl;
    private final int maxMessageBytes;
    private final int eventLoopThreads;
    private final ConnectionSettings connections;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<ServerServiceDefinition> services;
    private volatile boolean draining;
    private volatile Server server;
    /** The event loops {@link #start} made (accepting, then serving); null before. */
    private volatile List<EventLoopGroup> loops;

    private KubeServeGrpc(Builder builder) {
        this.registry = builder.registry;
        this.requiredModels = builder.requiredModels;
        this.executor = builder.executor;
        this.ssl = builder.ssl;
        this.maxMessageBytes = builder.maxMessageBytes;
        this.connections = new ConnectionSettings(builder.maxConnectionAge, builder.maxConnectionAgeGrace,
                builder.maxConnectionIdle, builder.handshakeTimeout, builder.keepAliveTime, builder.keepAliveTimeout,
                builder.permitKeepAliveTime, builder.permitKeepAliveWithoutCalls, builder.maxConcurrentCalls,
                builder.maxResetStreams, builder.resetStreamWindow);
        this.eventLoopThreads = builder.eventLoopThreads > 0 ? builder.eventLoopThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors());
        MeterRegistry meters = builder.meters != null ? builder.meters : new SimpleMeterRegistry();
        InferenceMetrics inferenceMetrics = new InferenceMetrics(meters);
        InferenceService inference = new InferenceService(registry, executor, inferenceMetrics,
                new Statistics(registry, meters), this::ready, builder.version, builder.adminToken != null);
        CallGuard guard = new CallGuard(builder.apiTokens, builder.adminToken == null ? List.of()
                : List.of(builder.adminToken));
        // interceptors run last-given first: the rate limit before the token check, so guesses count too
        ServerInterceptor[] guards = builder.admission == null ? new ServerInterceptor[] {guard}
                : new ServerInterceptor[] {guard, new RateLimitInterceptor(builder.admission, guard)};
        ServerInterceptor refreshHealth = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                refreshHealth();
                return next.startCall(call, headers);
            }
        };
        // outermost: a request message that cannot be read ends its call with a status, not UNKNOWN
        this.services = List.of(
                UnreadableRequests.guard(ServerInterceptors.intercept(inference, guards), (method, status) -> {
                    // an inference request that is not valid protobuf counts as invalid input, as a bad
                    // body does over REST; a message over the size limit is not counted, compressed or not
                    if (INFER_METHODS.contains(method) && status.getCode() == Status.Code.INVALID_ARGUMENT) {
                        inferenceMetrics.error(Protocol.GRPC, ErrorCode.INVALID_INPUT);
                    }
                }),
                UnreadableRequests.guard(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), guards)),
                UnreadableRequests.guard(ServerInterceptors.intercept(health.getHealthService(), refreshHealth)));
        registry.addListener(status -> refreshHealth());
        refreshHealth();
    }

    /**
     * Settings for an adapter on {@code registry}; an executor is required.
     *
     * @param registry the models to serve; not owned (the adapter never closes it), and the adapter
     *                 adds a status listener to it that stays for the registry's life
     * @return a new builder, for one thread's use
     * @throws NullPointerException if {@code registry} is null
     */
    public static Builder builder(ModelRegistry registry) {
        return new Builder(registry);
    }

    /**
     * Listens on {@code port} (0: a free port, see {@link #port()}) on every interface, with TLS
     * when configured; returns once the port is bound.
     *
     * @param port TCP port, 0 to 65535; 0 picks a free one
     * @return this
     * @throws UncheckedIOException when the port cannot be bound
     * @throws IllegalStateException when already started
     */
    public KubeServeGrpc start(int port) {
        return start(new InetSocketAddress(port));
    }

    /**
     * Listens on {@code host:port} (port 0: a free port, see {@link #port()}), with TLS when
     * configured; returns once the port is bound.
     *
     * @param host address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
     * @param port TCP port, 0..65535
     * @return this
     * @throws UncheckedIOException when the port cannot be bound
     * @throws IllegalStateException when already started
     */
    public KubeServeGrpc start(String host, int port) {
        return start(new InetSocketAddress(host, port));
    }

    private synchronized KubeServeGrpc start(InetSocketAddress address) {
        int port = address.getPort();
        if (server != null) {
            throw new IllegalStateException("the gRPC adapter is started already, on port " + port());
        }
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
            // SIMPLE (Netty's default) fills in a stack trace for one buffer in 128: a few % of a small call
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        StreamErrorLogFilter.install();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("grpc-accept", true),
                io);
        // one loop per core, as the HTTP adapter's I/O threads (Netty's default is two per core: on one
        // core the second loop only splits the connections, and each loop wakes the model separately)
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(eventLoopThreads,
                new DefaultThreadFactory("grpc-io", true), io);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .channelType(channelType)
                // calls run on the Netty event loop that read them: ModelInfer never blocks (the
                // prediction is asynchronous), and the two blocking calls, the repository's load and
                // unload, hand themselves to the executor; one hop less per call
                .directExecutor()
                // one read of a connection per pass of its loop: a flood on one connection does not
                // hold up the others
                .withChildOption(ChannelOption.RCVBUF_ALLOCATOR, READ_ONCE_A_PASS)
                .maxInboundMessageSize(maxMessageBytes);
        connections.applyTo(builder);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        services.forEach(builder::addService);
        Server started = builder.build();
        try {
            started.start();
        } catch (IOException e) {
            shutDown(List.of(boss, workers));
            // Netty says "Failed to bind to address ..."; say what it means and what to do
            throw new UncheckedIOException("cannot listen for gRPC on " + address + ": the port is in use or not"
                    + " allowed (choose another with --grpc-port, or 0 to turn gRPC off)", e);
        }
        loops = List.of(boss, workers);
        server = started;
        return this;
    }

    /**
     * The connection settings the builder collected, each duration null (grpc-java's default) until
     * set; {@code maxAgeGrace} only with {@code maxAge}, {@code keepAliveTimeout} only with
     * {@code keepAliveTime}, {@code permitWithoutCalls} only with {@code permitTime}. The stream
     * limits always apply ({@code maxResets} 0: none).
     */
    private record ConnectionSettings(Duration maxAge, Duration maxAgeGrace, Duration maxIdle, Duration handshakeTimeout,
                                      Duration keepAliveTime, Duration keepAliveTimeout, Duration permitTime,
                                      boolean permitWithoutCalls, int maxConcurrentCalls, int maxResets,
                                      Duration resetWindow) {

        void applyTo(NettyServerBuilder netty) {
            netty.maxConcurrentCallsPerConnection(maxConcurrentCalls);
            if (maxResets > 0) {
                netty.maxRstFramesPerWindow(maxResets, (int) resetWindow.toSeconds());
            }
            if (maxAge != null) {
                netty.maxConnectionAge(nanos(maxAge), TimeUnit.NANOSECONDS);
                if (maxAgeGrace != null) {
                    netty.maxConnectionAgeGrace(nanos(maxAgeGrace), TimeUnit.NANOSECONDS);
                }
            }
            if (maxIdle != null) {
                netty.maxConnectionIdle(nanos(maxIdle), TimeUnit.NANOSECONDS);
            }
            if (handshakeTimeout != null) {
                netty.handshakeTimeout(nanos(handshakeTimeout), TimeUnit.NANOSECONDS);
            }
            if (keepAliveTime != null) {
                netty.keepAliveTime(nanos(keepAliveTime), TimeUnit.NANOSECONDS)
                        .keepAliveTimeout(nanos(keepAliveTimeout), TimeUnit.NANOSECONDS);
            }
            if (permitTime != null) {
                netty.permitKeepAliveTime(nanos(permitTime), TimeUnit.NANOSECONDS)
                        .permitKeepAliveWithoutCalls(permitWithoutCalls);
            }
        }
    }

    /** grpc-java's builders take nanoseconds; a Duration beyond 292 years is as good as forever to them. */
    private static long nanos(Duration duration) {
        return duration.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : duration.toNanos();
    }

    /**
     * The port listened on, useful after {@code start(0)}.
     *
     * @return the bound TCP port; -1 before {@link #start}
     */
    public int port() {
        Server current = server;
        return current == null ? -1 : current.getPort();
    }

    /**
     * The three services, already guarded by the tokens and against unreadable request messages, for
     * an application that runs its own gRPC server (or an in-process one in a test) instead of
     * calling {@link #start}. The message size limit and TLS are then that server's business, and so
     * are its executor and shutdown ({@link #drain} and {@link #close} then only turn health to
     * {@code NOT_SERVING}). Each method's request type is a wrapper of its protobuf message (so that
     * a message that cannot be read ends the call with a status): an interceptor the application
     * adds around these services sees that wrapper, not the protobuf message, in {@code onMessage}.
     *
     * @return the inference, reflection and health services; an immutable list, the same on every call
     */
    public List<ServerServiceDefinition> services() {
        return services;
    }

    /**
     * What health reports, evaluated now.
     *
     * @return true while the registry is ready (every required model ready, or any model when none
     *         is required) and the adapter is not draining or closed
     */
    public boolean ready() {
        return !draining && registry.isReady(requiredModels);
    }

    /**
     * Stops taking calls and lets those in flight finish: health turns {@code NOT_SERVING}, clients
     * get GOAWAY (new calls go elsewhere), and running calls, streams included, complete. Returns
     * once they have, or at {@code timeout}, when the rest are cancelled (clients see
     * {@code CANCELLED} or {@code UNAVAILABLE}). Blocks the calling thread; readiness never comes
     * back, so call it only on the way out, then {@link #close}.
     *
     * @param timeout the longest wait for calls in flight
     * @return true when every call finished in time (also when the adapter was never started)
     */
    public boolean drain(Duration timeout) {
        stopServing();
        Server current = server;
        if (current == null) {
            return true;
        }
        current.shutdown();
        try {
            if (current.awaitTermination(nanos(timeout), TimeUnit.NANOSECONDS)) {
                stopLoops();
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        current.shutdownNow();
        stopLoops();
        return false;
    }

    /** Stops at once: calls in flight are cancelled. Use {@link #drain} first for a graceful stop. */
    @Override
    public void close() {
        stopServing();
        Server current = server;
        if (current != null) {
            current.shutdownNow();
            try {
                current.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopLoops();
    }

    /** Stops the event loops {@link #start} made, once the server is down; waits up to 5 s for them. */
    private void stopLoops() {
        List<EventLoopGroup> current = loops;
        if (current != null) {
            loops = null;
            shutDown(current);
        }
    }

    private static void shutDown(List<EventLoopGroup> groups) {
        // no quiet period: the server is terminated, no task is coming
        groups.forEach(group -> group.shutdownGracefully(0, 5, TimeUnit.SECONDS));
        for (EventLoopGroup group : groups) {
            if (!group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
                return;
            }
        }
    }

    /** Readiness and health go down for good (health says NOT_SERVING to every service). */
    private synchronized void stopServing() {
        if (!draining) {
            draining = true;
            health.enterTerminalState();
        }
    }

    private void refreshHealth() {
        if (draining) {
            return;
        }
        ServingStatus status = ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus(LIVENESS_SERVICE, ServingStatus.SERVING);
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        health.setStatus(SERVICE, status);
    }

    /** Settings of a {@link KubeServeGrpc}. Not thread-safe; use it on one thread. */
    public static final class Builder {

        private final ModelRegistry registry;
        private Executor executor;
        private MeterRegistry meters;
        private Collection<String> apiTokens = List.of();
        private String adminToken;
        private SslContext ssl;
        private int maxMessageBytes = 16 << 20;
        private int eventLoopThreads;
        private Duration maxConnectionAge;
        private Duration maxConnectionAgeGrace;
        private Duration maxConnectionIdle;
        private Duration handshakeTimeout;
        private Duration keepAliveTime;
        private Duration keepAliveTimeout;
        private Duration permitKeepAliveTime;
        private boolean permitKeepAliveWithoutCalls;
        private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
        private int maxResetStreams = DEFAULT_MAX_RESET_STREAMS;
        private Duration resetStreamWindow = DEFAULT_RESET_STREAM_WINDOW;
        private Set<String> requiredModels = Set.of();
        private String version = "dev";
        private ClientAdmission admission;

        private Builder(ModelRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Runs the calls (required): decoding, starting predictions, metadata; repository loads
         * block one of its threads while a model loads. The HTTP adapter's worker pool fits.
         *
         * @param callExecutor the executor; not owned, the adapter never shuts it down
         * @return this builder
         * @throws NullPointerException if {@code callExecutor} is null
         */
        public Builder executor(Executor callExecutor) {
            this.executor = Objects.requireNonNull(callExecutor, "executor");
            return this;
        }

        /**
         * Where request metrics go ({@code protocol="grpc"}) and where {@code ModelStatistics}
         * reads the scheduler meters from; default a private registry nobody reads.
         *
         * @param meterRegistry the meters; not owned
         * @return this builder
         * @throws NullPointerException if {@code meterRegistry} is null
         */
        public Builder meters(MeterRegistry meterRegistry) {
            this.meters = Objects.requireNonNull(meterRegistry, "meters");
            return this;
        }

        /**
         * Bearer tokens for every call except {@code ServerLive}, {@code ServerReady}, health and the
         * repository calls; empty (the default): no token needed. Only their digests are kept.
         * Clients send {@code authorization: Bearer <token>} metadata; a call without a valid one
         * fails with {@code UNAUTHENTICATED}.
         *
         * @param tokens the accepted tokens, any of which admits a call; copied
         * @return this builder
         * @throws IllegalArgumentException if a token is null or blank
         */
        public Builder apiTokens(Collection<String> tokens) {
            for (String token : tokens) {
                if (token == null || token.isBlank()) {
                    throw new IllegalArgumentException("an API token must not be blank");
                }
            }
            this.apiTokens = List.copyOf(tokens);
            return this;
        }

        /**
         * Turns the repository calls on, guarded by this bearer token; null (the default) leaves
         * them off ({@code PERMISSION_DENIED}). {@code ServerMetadata} lists the
         * {@code model_repository} extension only when a token is given.
         *
         * @param adminBearerToken the token the repository calls require, or null to turn them off
         * @return this builder
         * @throws IllegalArgumentException if the token is blank
         */
        public Builder repositoryApi(String adminBearerToken) {
            if (adminBearerToken != null && adminBearerToken.isBlank()) {
                throw new IllegalArgumentException("the admin token must not be blank");
            }
            this.adminToken = adminBearerToken;
            return this;
        }

        /**
         * TLS with the server's {@link SSLContext} (the one the HTTP adapter uses); the protocol
         * is negotiated as HTTP/2 with ALPN, with the ciphers HTTP/2 allows. No client certificate
         * is asked for.
         *
         * @param context an initialized context holding the server's key and certificate; shared, not copied
         * @return this builder
         * @throws NullPointerException if {@code context} is null
         */
        public Builder tls(SSLContext context) {
            ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2);
            this.ssl = new JdkSslContext(Objects.requireNonNull(context, "context"), false, Http2SecurityUtil.CIPHERS,
                    SupportedCipherSuiteFilter.INSTANCE, alpn, ClientAuth.NONE, null, false);
            return this;
        }

        /**
         * TLS from PEM files: the certificate chain (server certificate first) and its private key
         * (PKCS#8). The files are read now; replacing them later changes nothing.
         *
         * @param certificateChain PEM file with the server certificate first, then its issuers
         * @param privateKey       PEM file with the certificate's private key, PKCS#8, unencrypted
         * @return this builder
         * @throws IllegalArgumentException when the files cannot be read or do not match
         */
        public Builder tls(Path certificateChain, Path privateKey) {
            try {
                this.ssl = GrpcSslContexts.forServer(certificateChain.toFile(), privateKey.toFile()).build();
            } catch (SSLException | RuntimeException e) {
                throw new IllegalArgumentException("cannot use " + certificateChain + " and " + privateKey
                        + " for TLS: " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * The largest request message accepted, in bytes (default 16 MiB, the HTTP adapter's body
         * limit); a larger one fails with {@code RESOURCE_EXHAUSTED}. Applies to {@link #start}'s
         * server only.
         *
         * @param bytes the limit in bytes, at least 1024
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is below 1024
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("the message size limit must be at least 1024 bytes, got " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * How many event loops {@link KubeServeGrpc#start} runs: threads that read, decode and
         * start calls and write their answers (0, the default: one per available core, as the
         * HTTP adapter's I/O threads). A loop is never blocked, so more loops than cores only add
         * thread switches. Applies to {@link #start}'s server only.
         *
         * @param threads the number of event loop threads, at least 1, or 0 for one per core
         * @return this builder
         * @throws IllegalArgumentException if {@code threads} is negative
         */
        public Builder eventLoopThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("the event loop thread count must be 0 (one per core) or more, got "
                        + threads);
            }
            this.eventLoopThreads = threads;
            return this;
        }

        /**
         * Ends each connection gracefully once it is {@code age} old (grpc-java adds a random
         * ±10 %): the server sends GOAWAY, the client sends its next calls on a new connection, and
         * the calls and {@code ModelStreamInfer} streams still open on the old one run to their end,
         * however long. Behind a Kubernetes Service, whose proxy picks a pod per connection, a gRPC
         * client that keeps one connection for its whole life sends every call to one pod, and pods
         * the autoscaler adds get none of its calls; a connection age makes each client pick a pod
         * again that often (gRPC's proposal A9, "Server-side Connection Management"). Off by
         * default: a connection lives as long as the client keeps it. Applies to {@link #start}'s
         * server only.
         *
         * @param age how long a connection takes new calls, at least 1 s (grpc-java's floor); 1,000
         *            days or more is no limit
         * @return this builder
         * @throws IllegalArgumentException if {@code age} is under 1 s
         * @throws NullPointerException     if {@code age} is null
         */
        public Builder maxConnectionAge(Duration age) {
            this.maxConnectionAge = atLeastOneSecond(age, "the connection age");
            this.maxConnectionAgeGrace = null;
            return this;
        }

        /**
         * As {@link #maxConnectionAge(Duration)}, but the calls and streams still open on an aged
         * connection get only {@code grace}: then grpc-java closes the connection, and each of them
         * fails with {@code UNAVAILABLE} (GOAWAY debug data {@code max_age}). The grace starts once
         * the client has answered the GOAWAY's ping (at most 10 s later).
         *
         * @param age   how long a connection takes new calls, at least 1 s
         * @param grace how long its open calls and streams then get, not negative; 1,000 days or more is no limit
         * @return this builder
         * @throws IllegalArgumentException if {@code age} is under 1 s or {@code grace} is negative
         * @throws NullPointerException     if either is null
         */
        public Builder maxConnectionAge(Duration age, Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("the connection age's grace must not be negative, got " + grace);
            }
            maxConnectionAge(age);
            this.maxConnectionAgeGrace = grace;
            return this;
        }

        /**
         * Ends a connection gracefully (GOAWAY) once it has had no call in flight for
         * {@code idle}, counted from its last call's end or from its start. An open
         * {@code ModelStreamInfer} stream counts as a call; keepalive pings do not. A client
         * that calls again afterwards pays for a new connection (and TLS handshake). Off by default
         * (the standalone server leaves it off). Applies to {@link #start}'s server only.
         *
         * @param idle how long a connection may stay without calls, at least 1 s (grpc-java's floor)
         * @return this builder
         * @throws IllegalArgumentException if {@code idle} is under 1 s
         * @throws NullPointerException     if {@code idle} is null
         */
        public Builder maxConnectionIdle(Duration idle) {
            this.maxConnectionIdle = atLeastOneSecond(idle, "the connection idle time");
            return this;
        }

        /** grpc-java raises a connection age or idle time under 1 s to 1 s: refused here instead. */
        private static Duration atLeastOneSecond(Duration value, String what) {
            Objects.requireNonNull(value, what);
            if (value.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(what + " must be at least 1 s, got " + value);
            }
            return value;
        }

        /**
         * How long a new connection may take from its accept to the client's first HTTP/2
         * SETTINGS frame, its TLS handshake (if any) included; a connection that takes longer is
         * closed (in plaintext after the server's own SETTINGS and a GOAWAY, during a TLS handshake
         * without either; grpc-java's default: 120 s; it counts whole milliseconds). The standalone
         * server sets its {@code --header-timeout}. Applies to {@link #start}'s server only.
         *
         * @param timeout the time allowed, at least 1 ms
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is under 1 ms
         * @throws NullPointerException     if {@code timeout} is null
         */
        public Builder handshakeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("the handshake timeout must be at least 1 ms, got " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Pings a connection (HTTP/2 PING) once its client has sent nothing for {@code time} (no
         * HEADERS, DATA, RST_STREAM or PING frame; SETTINGS and WINDOW_UPDATE do not count), and
         * closes it when nothing comes back within {@code timeout}: its calls and streams then fail
         * and are released. It finds clients that went away without closing their connection (a pod
         * or node that died, a network that dropped the path), which would otherwise hold their open
         * {@code ModelStreamInfer} streams. A time shorter than the idle timeout of the NATs and load
         * balancers on the way also keeps a quiet connection's path open. grpc-java's default, as
         * gRPC's: 2 h and 20 s. Applies to {@link #start}'s server only.
         *
         * @param time    silence before a ping, at least 10 s (grpc-java raises anything shorter to
         *                10 s: refused here instead); 1,000 days or more: never ping
         * @param timeout how long the ping's answer may take, at least 10 ms (grpc-java's floor)
         * @return this builder
         * @throws IllegalArgumentException if {@code time} is under 10 s or {@code timeout} under 10 ms
         * @throws NullPointerException     if either is null
         */
        public Builder keepAlive(Duration time, Duration timeout) {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(timeout, "timeout");
            if (time.compareTo(Duration.ofSeconds(10)) < 0) {
                throw new IllegalArgumentException("the keepalive time must be at least 10 s, got " + time);
            }
            if (timeout.compareTo(Duration.ofMillis(10)) < 0) {
                throw new IllegalArgumentException("the keepalive timeout must be at least 10 ms, got " + timeout);
            }
            this.keepAliveTime = time;
            this.keepAliveTimeout = timeout;
            return this;
        }

        /**
         * Which keepalive pings the server accepts from clients (gRPC's keepalive policy,
         * <a href="https://github.com/grpc/grpc/blob/master/doc/keepalive.md">doc/keepalive.md</a>):
         * pings at least {@code minInterval} apart, on connections with a call open, and also on
         * connections without one when {@code withoutCalls}. A ping that comes sooner (or, without
         * {@code withoutCalls}, any ping on a connection without calls sooner than 2 h after the
         * last accepted ping or the connection's start) is a strike; the third strike closes the connection with GOAWAY
         * {@code ENHANCE_YOUR_CALM}, debug data {@code too_many_pings}, and its open calls fail. The
         * count starts again whenever the server sends headers or data. grpc-java's default, as
         * gRPC's: 5 min, not without calls. Clients set to ping more often (to keep a path through a
         * load balancer's idle timeout, say) need a shorter interval here, and {@code withoutCalls}
         * if they ping between calls. Applies to {@link #start}'s server only.
         *
         * @param minInterval  the shortest interval between a client's pings accepted, not negative;
         *                     {@link Duration#ZERO}: any rate; 2 h or more is 2 h
         * @param withoutCalls whether clients may ping connections with no call open
         * @return this builder
         * @throws IllegalArgumentException if {@code minInterval} is negative
         * @throws NullPointerException     if {@code minInterval} is null
         */
        public Builder permitKeepAlive(Duration minInterval, boolean withoutCalls) {
            Objects.requireNonNull(minInterval, "minInterval");
            if (minInterval.isNegative()) {
                throw new IllegalArgumentException("the permitted keepalive interval must not be negative, got "
                        + minInterval);
            }
            this.permitKeepAliveTime = minInterval;
            this.permitKeepAliveWithoutCalls = withoutCalls;
            return this;
        }

        /**
         * How many calls a client may have open at once on one connection: HTTP/2's
         * {@code SETTINGS_MAX_CONCURRENT_STREAMS} (RFC 9113 section 6.5.2), which the server
         * announces when the connection opens. An open {@code ModelStreamInfer} stream is one call,
         * however many requests it carries. The client holds further calls until one ends
         * (grpc-java's, tested, and Python's grpcio, tried by hand), so a client with more
         * {@code ModelStreamInfer} streams than this on one connection has the extra ones wait until
         * a stream ends; a stream opened beyond the limit anyway is refused
         * ({@code RST_STREAM REFUSED_STREAM}: never started, safe to retry). It
         * bounds what one connection holds open (calls waiting in model queues, streams) and so
         * what one client can take from the others. Default {@value #DEFAULT_MAX_CONCURRENT_CALLS}
         * (grpc-java's own: no limit). Applies to {@link #start}'s server only.
         *
         * @param calls the calls a connection may have open at once, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code calls} is under 1
         */
        public Builder maxConcurrentCallsPerConnection(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("the concurrent calls per connection must be at least 1, got "
                        + calls);
            }
            this.maxConcurrentCalls = calls;
            return this;
        }

        /**
         * Closes a connection on which more than {@code resets} streams are reset within one
         * {@code window}: with GOAWAY {@code ENHANCE_YOUR_CALM}, debug data
         * {@code too_many_rststreams}, and its open calls fail (grpc-java's client reports
         * {@code RESOURCE_EXHAUSTED}, its status for ENHANCE_YOUR_CALM). Counted are
         * the client's RST_STREAM frames on open streams and the server's own resets other than
         * {@code CANCEL} and {@code NO_ERROR} (a stream refused beyond
         * {@link #maxConcurrentCallsPerConnection}, say). The first window starts when the
         * connection opens, each later one with the first reset after the one before ended
         * (grpc-java's {@code NettyServerHandler.RstStreamCounter}). Without it, a client that
         * opens calls and resets them at once (HTTP/2 "Rapid Reset", CVE-2023-44487) has the server
         * start call after call while never holding more than one open, so the concurrency limit
         * never stops it. Clients reset a call when they cancel it or its deadline passes, so a
         * limit too low also sends away clients that cancel much, or whose calls miss their
         * deadlines by the hundred while the server is overloaded; they reconnect, but lose the
         * calls open on the connection. Default {@value #DEFAULT_MAX_RESET_STREAMS} in 10 s
         * (grpc-java's own: no limit). Applies to {@link #start}'s server only.
         *
         * @param resets the resets a connection may have in a window, at least 1, or 0 for no limit
         * @param window the window, whole seconds, at least 1 s (checked even for no limit)
         * @return this builder
         * @throws IllegalArgumentException if {@code resets} is negative, or {@code window} is under
         *                                  1 s, not whole seconds or over {@link Integer#MAX_VALUE} seconds
         * @throws NullPointerException     if {@code window} is null
         */
        public Builder maxResetStreams(int resets, Duration window) {
            Objects.requireNonNull(window, "window");
            if (resets < 0) {
                throw new IllegalArgumentException("the resets per window must be 0 (no limit) or more, got " + resets);
            }
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.toNanosPart() != 0
                    || window.toSeconds() > Integer.MAX_VALUE) {
                // grpc-java counts the window in whole seconds
                throw new IllegalArgumentException("the reset window must be whole seconds, at least 1 s, got "
                        + window);
            }
            this.maxResetStreams = resets;
            this.resetStreamWindow = window;
            return this;
        }

        /**
         * Models that must be ready for readiness; empty (the default): any one model.
         *
         * @param models model names; copied
         * @return this builder
         */
        public Builder requiredModels(Set<String> models) {
            this.requiredModels = Set.copyOf(models);
            return this;
        }

        /**
         * The server version {@code ServerMetadata} reports; default {@code dev}.
         *
         * @param serverVersion the version text, such as {@code 0.1.0}
         * @return this builder
         * @throws NullPointerException if {@code serverVersion} is null
         */
        public Builder version(String serverVersion) {
            this.version = Objects.requireNonNull(serverVersion, "version");
            return this;
        }

        /**
         * Limits each client's calls: before every call but health, {@code ServerLive} and
         * {@code ServerReady}, {@code admission} is asked with the client's key (its valid API
         * token's digest, else its IP address; see {@link ClientAdmission}); a refused call ends
         * with {@code RESOURCE_EXHAUSTED}, a message giving the limit and the wait, and a
         * {@code retry-after} trailer (whole seconds). The limit is checked before the token, so
         * token guesses count. Null (the default) turns the limit off.
         *
         * @param clientAdmission the limit, thread-safe; shared (for example with the HTTP adapter), not owned
         * @return this builder
         */
        public Builder rateLimit(ClientAdmission clientAdmission) {
            this.admission = clientAdmission;
            return this;
        }

        /**
         * The adapter, not yet listening: call {@link KubeServeGrpc#start} or use its services.
         *
         * @return a new adapter, owned by the caller, who closes it
         * @throws IllegalStateException if no executor was given
         */
        public KubeServeGrpc build() {
            if (executor == null) {
                throw new IllegalStateException("executor(...) is required: it runs the gRPC calls");
            }
            return new KubeServeGrpc(this);
        }
    }
}
