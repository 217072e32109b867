package io.kubeserve.http.undertow;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.engine.ModelScheduler;
import io.kubeserve.core.registry.ModelLease;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.spi.Model;
import io.kubeserve.http.codec.EncodedBody;
import io.kubeserve.http.codec.SeedCodec;
import io.kubeserve.http.codec.V1Codec;
import io.kubeserve.http.codec.V2Request;
import io.kubeserve.http.codec.V2RequestDecoder;
import io.kubeserve.http.codec.V2ResponseEncoder;
import io.kubeserve.core.metrics.InferenceMetrics;
import io.kubeserve.core.metrics.Protocol;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import org.slf4j.MDC;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The three inference endpoints: Open Inference V2 {@code infer}, KServe V1 {@code :predict} and
 * the seed {@code /predict}. Each reads the body without blocking, finds the ready model, decodes
 * with its protocol's codec and starts the prediction ({@link RequestBodies#receiveNonBlocking}
 * says on which thread). No thread waits for the model: the thread that finishes the prediction
 * encodes the response; the exchange's I/O thread then sends it, releases the model lease and
 * records the outcome.
 */
final class InferenceEndpoints {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InferenceEndpoints.class);

    private static final HttpString INFERENCE_HEADER = new HttpString(EncodedBody.INFERENCE_HEADER_CONTENT_LENGTH);

    private final ModelRegistry registry;
    private final RequestBodies bodies;
    private final InferenceMetrics metrics;
    private final Supplier<String> defaultModel;
    private final int overloadStatus;
    private final V2RequestDecoder v2Decoder = new V2RequestDecoder();
    private final V2ResponseEncoder v2Encoder = new V2ResponseEncoder();
    private final V1Codec v1Codec = new V1Codec();
    private final SeedCodec seedCodec = new SeedCodec();

    InferenceEndpoints(ModelRegistry registry, RequestBodies bodies, InferenceMetrics metrics,
                       Supplier<String> defaultModel, int overloadStatus) {
        this.overloadStatus = overloadStatus;
        this.registry = registry;
        this.bodies = bodies;
        this.metrics = metrics;
        this.defaultModel = defaultModel;
    }

    /** {@code POST /v2/models/{m}[/versions/{v}]/infer}, JSON or binary tensors. */
    void v2Infer(HttpServerExchange exchange, String[] params) {
        String version = params.length > 1 ? params[1] : null;
        bodies.receiveNonBlocking(exchange, true, (ex, body) -> serve(ex, Protocol.V2, params[0], version, model -> {
            V2Request request = v2Decoder.decode(ByteBuffer.wrap(body), ex.getRequestHeaders().getFirst(INFERENCE_HEADER));
            return model.predictor().predictAsync(request.request()).thenApply(response -> {
                EncodedBody encoded = v2Encoder.encode(response, request.outputFormat());
                return out -> {
                    if (encoded.hasBinaryData()) {
                        out.getResponseHeaders().put(INFERENCE_HEADER, encoded.jsonHeaderLength());
                    }
                    Responses.send(out, 200, encoded.contentType(), encoded.body());
                };
            });
        }));
    }

    /** {@code POST /v1/models/{m}:predict}. */
    void v1Predict(HttpServerExchange exchange, String[] params) {
        bodies.receiveNonBlocking(exchange, false, (ex, body) -> serve(ex, Protocol.V1, params[0], null, model ->
                model.predictor().predictAsync(v1Codec.decode(ByteBuffer.wrap(body), model.metadata()))
                        .thenApply(response -> json(v1Codec.encode(response, model.metadata())))));
    }

    /** {@code POST /predict}: the seed API, on the default model. */
    void seedPredict(HttpServerExchange exchange, String[] params) {
        // POST /predict?model=NAME picks a model; without it the default model answers
        java.util.Deque<String> named = exchange.getQueryParameters().get("model");
        String modelName = named == null || named.isEmpty() || named.getFirst().isEmpty() ? null : named.getFirst();
        bodies.receiveNonBlocking(exchange, false, (ex, body) -> serve(ex, Protocol.SEED, modelName, null, model -> {
            SeedCodec.SeedRequest request = seedCodec.decode(ByteBuffer.wrap(body), model.metadata());
            return model.predictor().predictAsync(request.request())
                    .thenApply(response -> json(seedCodec.encode(request, response, model.metadata())));
        }));
    }

    private static Reply json(byte[] body) {
        return out -> Responses.json(out, 200, body);
    }

    /** An encoded answer, ready to write. */
    @FunctionalInterface
    private interface Reply {
        void send(HttpServerExchange exchange);
    }

    /** Decodes the request and starts the prediction; the stage's reply is encoded already. */
    @FunctionalInterface
    private interface Call {
        CompletionStage<Reply> start(Model model) throws Exception;
    }

    private void serve(HttpServerExchange exchange, Protocol protocol, String modelName, String version, Call call) {
        long start = System.nanoTime();
        ModelLease lease;
        try {
            lease = registry.acquire(modelName != null ? modelName : defaultModel.get(), version);
        } catch (KubeServeException e) {
            boolean known = modelName != null && registry.modelNames().contains(modelName);
            if (known) {
                metrics.record(modelName, protocol, e.code(), System.nanoTime() - start);
            } else {
                metrics.error(protocol, e.code());
            }
            error(exchange, e);
            return;
        }
        CompletionStage<Reply> reply;
        try {
            if (exchange.isInIoThread()) {
                // a fast, idle model runs right here and the I/O thread writes its answer at once; the
                // executions this request wakes start once the I/O thread has read what is ready
                ModelScheduler.runFastRequestsInline();
                ModelScheduler.holdWakeups(exchange.getIoThread());
            }
            reply = call.start(lease.model());
        } catch (Exception | Error e) {
            // an Error too (a request too big for the heap): the reply fails, so the lease is released
            reply = CompletableFuture.failedFuture(e);
        }
        String requestId = RequestIds.of(exchange);
        reply.whenComplete((answer, failure) -> {
            if (exchange.isInIoThread()) {
                finish(exchange, protocol, lease, start, requestId, answer, failure);
            } else {
                // Undertow's connection state is changed with compare-and-set spins: completing the
                // exchange off its I/O thread, then losing the core mid-change, leaves the I/O thread
                // spinning (a tenth of the CPU in a profile on one core). The response is encoded by
                // now; only the write goes back.
                try {
                    exchange.getIoThread().execute(() -> finish(exchange, protocol, lease, start, requestId, answer,
                            failure));
                } catch (RejectedExecutionException e) {
                    // the listener is stopping: the write fails, but the lease and metrics still close
                    finish(exchange, protocol, lease, start, requestId, answer, failure);
                }
            }
        });
    }

    /** On the exchange's I/O thread: answer, release the lease, record the outcome. */
    private void finish(HttpServerExchange exchange, Protocol protocol, ModelLease lease, long start, String requestId,
                        Reply answer, Throwable failure) {
        String previousId = MDC.get(RequestIds.MDC_KEY);
        if (requestId != null) {
            MDC.put(RequestIds.MDC_KEY, requestId);
        }
        ErrorCode outcome = null;
        try {
            if (failure == null) {
                answer.send(exchange);
            } else {
                outcome = fail(exchange, KubeServeException.unwrap(failure));
            }
        } catch (RuntimeException e) {
            outcome = fail(exchange, e);
        } finally {
            lease.close();
            metrics.record(lease.model().metadata().name(), protocol, outcome, System.nanoTime() - start);
            RequestIds.restore(previousId);
        }
    }

    /** Answers a failure: ours with its status, anything else as a logged 500 without detail. */
    private ErrorCode fail(HttpServerExchange exchange, Throwable failure) {
        if (failure instanceof KubeServeException e) {
            if (e.code() == ErrorCode.INTERNAL) {
                // the client gets the message only; the cause is for whoever runs the server
                LOG.error("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestPath(), e.getMessage(),
                        e.getCause());
            }
            error(exchange, e);
            return e.code();
        }
        LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), failure);
        Responses.error(exchange, 500, "internal error; see the server log");
        return ErrorCode.INTERNAL;
    }

    private void error(HttpServerExchange exchange, KubeServeException e) {
        if (e.code() == ErrorCode.OVERLOADED && overloadStatus != 503) {
            Responses.retryLater(exchange, overloadStatus, 1, e.getMessage());
            return;
        }
        Responses.error(exchange, e);
    }
}
