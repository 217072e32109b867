package io.kubeserve.http.undertow;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.InferenceResponse;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.registry.ModelLease;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.spi.Model;
import io.kubeserve.http.codec.EncodedBody;
import io.kubeserve.http.codec.SeedCodec;
import io.kubeserve.http.codec.V1Codec;
import io.kubeserve.http.codec.V2Request;
import io.kubeserve.http.codec.V2RequestDecoder;
import io.kubeserve.http.codec.V2ResponseEncoder;
import io.kubeserve.http.metrics.InferenceMetrics;
import io.kubeserve.http.metrics.Protocol;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The three inference endpoints: Open Inference V2 {@code infer}, KServe V1 {@code :predict} and
 * the seed {@code /predict}. Each reads the body off the I/O thread, finds the ready model, decodes
 * with its protocol's codec, predicts, encodes, and records the outcome in the metrics.
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
        bodies.receive(exchange, true, (ex, body) -> serve(ex, Protocol.V2, params[0], version, model -> {
            String header = ex.getRequestHeaders().getFirst(INFERENCE_HEADER);
            V2Request request = v2Decoder.decode(ByteBuffer.wrap(body), header);
            InferenceResponse response = model.predictor().predict(request.request());
            EncodedBody encoded = v2Encoder.encode(response, request.outputFormat());
            if (encoded.hasBinaryData()) {
                ex.getResponseHeaders().put(INFERENCE_HEADER, encoded.jsonHeaderLength());
            }
            Responses.send(ex, 200, encoded.contentType(), encoded.body());
        }));
    }

    /** {@code POST /v1/models/{m}:predict}. */
    void v1Predict(HttpServerExchange exchange, String[] params) {
        bodies.receive(exchange, false, (ex, body) -> serve(ex, Protocol.V1, params[0], null, model -> {
            InferenceResponse response = model.predictor().predict(v1Codec.decode(ByteBuffer.wrap(body), model.metadata()));
            Responses.json(ex, 200, v1Codec.encode(response, model.metadata()));
        }));
    }

    /** {@code POST /predict}: the seed API, on the default model. */
    void seedPredict(HttpServerExchange exchange, String[] params) {
        bodies.receive(exchange, false, (ex, body) -> serve(ex, Protocol.SEED, null, null, model -> {
            SeedCodec.SeedRequest request = seedCodec.decode(ByteBuffer.wrap(body), model.metadata());
            InferenceResponse response = model.predictor().predict(request.request());
            Responses.json(ex, 200, seedCodec.encode(request, response, model.metadata()));
        }));
    }

    private void error(HttpServerExchange exchange, KubeServeException e) {
        if (e.code() == io.kubeserve.core.ErrorCode.OVERLOADED && overloadStatus != 503) {
            exchange.getResponseHeaders().put(Responses.RETRY_AFTER, "1");
            Responses.error(exchange, overloadStatus, e.getMessage());
            return;
        }
        Responses.error(exchange, e);
    }

    @FunctionalInterface
    private interface Call {
        void run(Model model) throws Exception;
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
        Model model = lease.model();
        ErrorCode outcome = null;
        try (lease) {
            call.run(model);
        } catch (KubeServeException e) {
            outcome = e.code();
            if (e.code() == ErrorCode.INTERNAL) {
                // the client gets the message only; the cause is for whoever runs the server
                LOG.error("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestPath(), e.getMessage(),
                        e.getCause());
            }
            error(exchange, e);
        } catch (Exception | StackOverflowError e) {
            outcome = ErrorCode.INTERNAL;
            Endpoints.run(exchange, () -> {
                throw e instanceof Exception ex ? ex : new IllegalStateException(e);
            });
        } finally {
            metrics.record(model.metadata().name(), protocol, outcome, System.nanoTime() - start);
        }
    }
}
