package io.kubeserve.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import io.kubeserve.core.engine.ModelScheduler;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.metrics.InferenceMetrics;
import io.kubeserve.core.metrics.Protocol;
import io.kubeserve.core.registry.LoadResult;
import io.kubeserve.core.registry.ModelLease;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.TensorSpec;
import io.kubeserve.grpc.v2.GRPCInferenceServiceGrpc;
import io.kubeserve.grpc.v2.ModelInferRequest;
import io.kubeserve.grpc.v2.ModelInferResponse;
import io.kubeserve.grpc.v2.ModelMetadataRequest;
import io.kubeserve.grpc.v2.ModelMetadataResponse;
import io.kubeserve.grpc.v2.ModelReadyRequest;
import io.kubeserve.grpc.v2.ModelReadyResponse;
import io.kubeserve.grpc.v2.ModelStatisticsRequest;
import io.kubeserve.grpc.v2.ModelStatisticsResponse;
import io.kubeserve.grpc.v2.ModelStreamInferResponse;
import io.kubeserve.grpc.v2.RepositoryIndexRequest;
import io.kubeserve.grpc.v2.RepositoryIndexResponse;
import io.kubeserve.grpc.v2.RepositoryModelLoadRequest;
import io.kubeserve.grpc.v2.RepositoryModelLoadResponse;
import io.kubeserve.grpc.v2.RepositoryModelUnloadRequest;
import io.kubeserve.grpc.v2.RepositoryModelUnloadResponse;
import io.kubeserve.grpc.v2.ServerLiveRequest;
import io.kubeserve.grpc.v2.ServerLiveResponse;
import io.kubeserve.grpc.v2.ServerMetadataRequest;
import io.kubeserve.grpc.v2.ServerMetadataResponse;
import io.kubeserve.grpc.v2.ServerReadyRequest;
import io.kubeserve.grpc.v2.ServerReadyResponse;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * {@code inference.GRPCInferenceService} on a {@link ModelRegistry}, with the REST adapter's
 * semantics: a model version is leased for each request until its prediction completes, the
 * prediction is started with {@code predictAsync} and the thread that finishes it encodes and sends
 * the answer; no thread waits for a model. Failures become statuses through {@link GrpcStatuses}.
 * Repository loads and unloads block while the model loads or drains: they run on the given
 * executor, never on the transport's thread.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    /** How far from its deadline a call that its client resets still counts as a timeout, in ms. */
    static final long DEADLINE_SLACK_MILLIS = 100;

    /**
     * The protocol extensions this service implements, as {@code ServerMetadata} lists them:
     * statistics always, the model repository only while its calls are allowed (an admin token).
     */
    static List<String> extensions(boolean repositoryApi) {
        return repositoryApi ? List.of("model_repository", "statistics") : List.of("statistics");
    }

    private final ModelRegistry registry;
    private final Executor blocking;
    private final InferenceMetrics metrics;
    private final Statistics statistics;
    private final BooleanSupplier ready;
    private final String version;
    private final List<String> extensions;

    InferenceService(ModelRegistry registry, Executor blocking, InferenceMetrics metrics, Statistics statistics,
                     BooleanSupplier ready, String version, boolean repositoryApi) {
        this.extensions = extensions(repositoryApi);
        this.registry = registry;
        this.blocking = blocking;
        this.metrics = metrics;
        this.statistics = statistics;
        this.ready = ready;
        this.version = version;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        reply(out, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        reply(out, ServerReadyResponse.newBuilder().setReady(ready.getAsBoolean()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        boolean isReady;
        try {
            registry.model(request.getName(), request.getVersion());
            isReady = true;
        } catch (KubeServeException e) {
            if (e.code() != ErrorCode.MODEL_NOT_READY) {
                out.onError(GrpcStatuses.of(e, "ModelReady").asRuntimeException());
                return;
            }
            isReady = false;
        }
        reply(out, ModelReadyResponse.newBuilder().setReady(isReady).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        reply(out, ServerMetadataResponse.newBuilder().setName("kubeserve").setVersion(version)
                .addAllExtensions(extensions).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        try {
            Model model = registry.model(request.getName(), request.getVersion());
            ModelMetadata metadata = model.metadata();
            ModelMetadataResponse.Builder response = ModelMetadataResponse.newBuilder()
                    .setName(metadata.name())
                    .setPlatform(metadata.platform());
            if (request.getVersion().isEmpty()) {
                response.addAllVersions(registry.statuses(request.getName()).stream().map(ModelStatus::version)
                        .toList());
            } else {
                response.addVersions(metadata.version());
            }
            metadata.inputs().forEach(spec -> response.addInputs(tensorMetadata(spec)));
            metadata.outputs().forEach(spec -> response.addOutputs(tensorMetadata(spec)));
            reply(out, response.build());
        } catch (RuntimeException e) {
            out.onError(GrpcStatuses.of(e, "ModelMetadata").asRuntimeException());
        }
    }

    private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorSpec spec) {
        ModelMetadataResponse.TensorMetadata.Builder out = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(spec.name()).setDatatype(spec.type().name());
        for (long dim : spec.shape()) {
            out.addShape(dim);
        }
        return out.build();
    }

    // ---- inference -------------------------------------------------------------------------

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        ServerCallStreamObserver<ModelInferResponse> call = (ServerCallStreamObserver<ModelInferResponse>) out;
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && deadline.isExpired()) {
            metrics.error(Protocol.GRPC, ErrorCode.TIMEOUT);
            call.onError(Status.DEADLINE_EXCEEDED.withDescription("the client's deadline passed before the request "
                    + "was served").asRuntimeException());
            return;
        }
        UnaryInfer unary = new UnaryInfer(call, request, deadline);
        call.setOnCancelHandler(unary);
        unary.started(infer(request, deadline, unary));
    }

    /**
     * One {@code ModelInfer} call. Once the client is gone (it cancelled, its deadline passed, its
     * connection closed) nothing more is sent, and its prediction is cancelled: still queued, it
     * leaves the queue unrun. The flag is whether the call is answered or gone.
     */
    private static final class UnaryInfer extends AtomicBoolean implements Answer, Runnable {
        private final ServerCallStreamObserver<ModelInferResponse> call;
        private final ModelInferRequest request;
        private final Deadline deadline;
        private volatile Future<?> prediction;

        UnaryInfer(ServerCallStreamObserver<ModelInferResponse> call, ModelInferRequest request, Deadline deadline) {
            this.call = call;
            this.request = request;
            this.deadline = deadline;
        }

        void started(Future<?> started) {
            prediction = started;
            if (get() && !started.isDone()) {
                started.cancel(false); // the client left while the request was being submitted
            }
        }

        /** The client is gone. */
        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                Future<?> started = prediction;
                if (started != null) {
                    started.cancel(false);
                }
            }
        }

        @Override
        public ErrorCode send(ModelInferResponse response, Throwable failure) {
            if (!compareAndSet(false, true)) {
                return whyGone(deadline);
            }
            if (failure != null) {
                call.onError(GrpcStatuses.of(failure, "ModelInfer of model '" + request.getModelName() + "'")
                        .asRuntimeException());
            } else {
                call.onNext(response);
                call.onCompleted();
            }
            return null;
        }
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
        return new InferStream(out);
    }

    /**
     * Where an answer goes: the response or the failure, on the thread that finished the
     * prediction, before the model's lease is released. It returns the outcome to count instead
     * of the prediction's own ({@code TIMEOUT} when the client's deadline passed first,
     * {@code CANCELLED} when the client left), or null.
     */
    @FunctionalInterface
    private interface Answer {
        ErrorCode send(ModelInferResponse response, Throwable failure);
    }

    /**
     * Serves one inference request: lease the model, decode, predict, encode, answer, release the
     * lease, count the outcome. Never throws; every failure goes to {@code answer}. {@code deadline}
     * is the call's (null for none): a request still queued when it passes never runs. Returns the
     * prediction, which the caller cancels when its client goes away.
     */
    private Future<?> infer(ModelInferRequest request, Deadline deadline, Answer answer) {
        long start = System.nanoTime();
        String name = request.getModelName();
        ModelLease lease;
        try {
            lease = registry.acquire(name, request.getModelVersion());
        } catch (KubeServeException e) {
            if (!name.isEmpty() && registry.modelNames().contains(name)) {
                metrics.record(name, Protocol.GRPC, e.code(), System.nanoTime() - start);
            } else {
                metrics.error(Protocol.GRPC, e.code());
            }
            answer.send(null, e);
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<ModelInferResponse> stage;
        try {
            InferCodec.Decoded decoded = InferCodec.decode(request, timeLeft(deadline));
            EventExecutor loop = ThreadExecutorMap.currentExecutor();
            if (loop != null) {
                // on the event loop that read the call (directExecutor): a fast, idle model runs right
                // here and the loop writes its answer (Netty writes only from the loop: an execution
                // thread's answer would wake the loop once more); the executions it wakes start once
                // the loop has read every call ready now, as the REST adapter does on its I/O thread
                ModelScheduler.runFastRequestsInline();
                ModelScheduler.holdWakeups(loop);
            }
            stage = lease.model().predictor().predictAsync(decoded.request()).toCompletableFuture()
                    .thenApply(response -> InferCodec.encode(response, decoded.rawOutputs()));
        } catch (RuntimeException | Error e) {
            // an Error too (a request too big for the heap): the stage fails, so the lease is released
            stage = CompletableFuture.failedFuture(e);
        }
        String modelName = lease.model().metadata().name();
        stage.whenComplete((response, failure) -> {
            ErrorCode outcome = failure == null ? null : GrpcStatuses.errorCode(failure);
            try {
                ErrorCode replaced = answer.send(response, failure);
                if (replaced != null) {
                    outcome = replaced;
                }
            } catch (RuntimeException e) {
                outcome = ErrorCode.INTERNAL;
                GrpcStatuses.of(e, "answering ModelInfer of model '" + modelName + "'");
            } finally {
                lease.close();
                metrics.record(modelName, Protocol.GRPC, outcome, System.nanoTime() - start);
            }
        });
        return stage;
    }

    /**
     * How a call whose client went away counts: {@code TIMEOUT} when its deadline had passed or was
     * under {@value #DEADLINE_SLACK_MILLIS} ms away, {@code CANCELLED} otherwise. The slack is for the
     * client's clock, which started before the request travelled here: at its deadline the client
     * resets the stream (RST_STREAM CANCEL, which looks like any other cancel) while ours still runs.
     */
    private static ErrorCode whyGone(Deadline deadline) {
        return deadline != null && deadline.timeRemaining(TimeUnit.MILLISECONDS) < DEADLINE_SLACK_MILLIS
                ? ErrorCode.TIMEOUT : ErrorCode.CANCELLED;
    }

    /**
     * What is left of the client's deadline (the {@code grpc-timeout} header), as the request's own
     * timeout: a request still queued when the client gives up is dropped unrun instead of taking the
     * model's time from callers still waiting. Null without a deadline.
     */
    private static Duration timeLeft(Deadline deadline) {
        return deadline == null ? null : Duration.ofNanos(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    /**
     * One {@code ModelStreamInfer} call: each request is served as {@code ModelInfer} would be, and
     * its answer or error message is sent as soon as it is ready, so answers may come in another
     * order than the requests (each carries its request's id). The stream ends once the client
     * has finished sending and every answer is out.
     */
    private final class InferStream implements StreamObserver<ModelInferRequest> {

        private final StreamObserver<ModelStreamInferResponse> out;
        /** The predictions not answered yet, by request, so that a client that leaves cancels them. */
        private final Map<ModelInferRequest, Future<?>> inFlight = new IdentityHashMap<>();
        /** The call's deadline, for each of its requests; null for none. */
        private final Deadline deadline = Context.current().getDeadline();
        private int pending;
        private boolean halfClosed;
        private boolean ended;

        InferStream(StreamObserver<ModelStreamInferResponse> out) {
            this.out = out;
            if (out instanceof ServerCallStreamObserver<ModelStreamInferResponse> call) {
                call.setOnCancelHandler(this::clientLeft);
            }
        }

        @Override
        public void onNext(ModelInferRequest request) {
            synchronized (this) {
                pending++;
            }
            Future<?> prediction = infer(request, deadline, (response, failure) -> {
                ModelStreamInferResponse message = failure == null
                        ? ModelStreamInferResponse.newBuilder().setInferResponse(response).build()
                        : ModelStreamInferResponse.newBuilder()
                                .setErrorMessage(errorMessage(failure, request))
                                .setInferResponse(ModelInferResponse.newBuilder().setModelName(request.getModelName())
                                        .setModelVersion(request.getModelVersion()).setId(request.getId()))
                                .build();
                synchronized (this) {
                    pending--;
                    inFlight.remove(request);
                    if (ended) {
                        return whyGone(deadline);
                    }
                    out.onNext(message);
                    finishIfDone();
                }
                return null;
            });
            boolean cancel;
            synchronized (this) {
                // the answer is sent (and its entry removed) only after the prediction is done
                cancel = ended;
                if (!cancel && !prediction.isDone()) {
                    inFlight.put(request, prediction);
                }
            }
            if (cancel) {
                prediction.cancel(false);
            }
        }

        /** The client cancelled, its deadline passed or its connection closed: its predictions are dropped. */
        private void clientLeft() {
            List<Future<?>> dropped;
            synchronized (this) {
                ended = true;
                dropped = List.copyOf(inFlight.values());
                inFlight.clear();
            }
            dropped.forEach(prediction -> prediction.cancel(false));
        }

        private String errorMessage(Throwable failure, ModelInferRequest request) {
            Status status = GrpcStatuses.of(failure, "ModelStreamInfer of model '" + request.getModelName() + "'");
            return status.getCode() + ": " + status.getDescription();
        }

        @Override
        public void onError(Throwable failure) {
            clientLeft();
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                halfClosed = true;
                finishIfDone();
            }
        }

        /** Called holding the lock. */
        private void finishIfDone() {
            if (halfClosed && pending == 0 && !ended) {
                ended = true;
                out.onCompleted();
            }
        }
    }

    // ---- statistics and repository ---------------------------------------------------------

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
        try {
            reply(out, statistics.of(request.getName(), request.getVersion()));
        } catch (RuntimeException e) {
            out.onError(GrpcStatuses.of(e, "ModelStatistics").asRuntimeException());
        }
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
        RepositoryIndexResponse.Builder response = RepositoryIndexResponse.newBuilder();
        for (ModelStatus status : registry.statuses()) {
            if (request.getReady() && !status.ready()) {
                continue;
            }
            response.addModels(RepositoryIndexResponse.ModelIndex.newBuilder()
                    .setName(status.name())
                    .setVersion(status.version())
                    .setState(status.state().name())
                    .setReason(status.reason() == null ? "" : status.reason()));
        }
        reply(out, response.build());
    }

    /**
     * Runs a blocking repository call on the executor; a failure, or an executor that refuses the
     * task (shutting down), becomes the call's status.
     */
    private void offload(StreamObserver<?> out, String what, Runnable call) {
        Runnable guarded = () -> {
            try {
                call.run();
            } catch (RuntimeException e) {
                out.onError(GrpcStatuses.of(e, what).asRuntimeException());
            }
        };
        try {
            blocking.execute(guarded);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.onError(io.grpc.Status.UNAVAILABLE.withDescription(what + ": the server is shutting down")
                    .asRuntimeException());
        }
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
                                    StreamObserver<RepositoryModelLoadResponse> out) {
        String name = request.getTritonModelName().isEmpty() ? request.getModelName()
                : request.getTritonModelName();
        offload(out, "RepositoryModelLoad of model '" + name + "'", () -> {
            requireName(name);
            LoadResult result = registry.load(name);
            reply(out, RepositoryModelLoadResponse.newBuilder().setModelName(result.name()).setIsLoaded(true).build());
        });
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
                                      StreamObserver<RepositoryModelUnloadResponse> out) {
        String name = request.getTritonModelName().isEmpty() ? request.getModelName()
                : request.getTritonModelName();
        offload(out, "RepositoryModelUnload of model '" + name + "'", () -> {
            requireName(name);
            registry.unload(name);
            reply(out, RepositoryModelUnloadResponse.newBuilder().setModelName(name).setIsUnloaded(true).build());
        });
    }

    /** KServe's clients name the model in field 1, Triton's in field 2 (field 1 is their repository). */
    private static void requireName(String name) {
        if (name.isEmpty()) {
            throw KubeServeException.invalidInput("no model_name given");
        }
    }

    private static <T> void reply(StreamObserver<T> out, T message) {
        out.onNext(message);
        out.onCompleted();
    }
}
