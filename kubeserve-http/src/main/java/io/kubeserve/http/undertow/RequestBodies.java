package io.kubeserve.http.undertow;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.util.concurrent.Executor;

/**
 * Reads a request body without blocking an I/O thread, then runs the endpoint on a worker thread,
 * or, for endpoints that never block and small bodies, on the I/O thread itself.
 *
 * <p>Bodies over the limit are refused with 413: at once when {@code Content-Length} says so,
 * otherwise as soon as the running count passes the limit, so an endless chunked body never
 * fills the heap. Only bodies of the expected media type are read (415 otherwise).
 *
 * <p>A body sent with {@code Content-Encoding: gzip} or {@code deflate} is decoded before the
 * endpoint sees it, and its decoded size is held to the same limit (413 past it); any other coding
 * is refused with 415 and an {@code Accept-Encoding} header naming the ones that work. Decoding
 * starts on the I/O thread only for a small body and only as far as {@value #INLINE_BYTES}
 * decoded bytes; one that inflates further is finished on a worker.
 *
 * <p>Thread-safe: one instance serves every I/O thread. It does not own the worker executor.
 */
public final class RequestBodies {

    /** What runs on a worker thread once the whole body is in. */
    @FunctionalInterface
    public interface BodyHandler {
        /**
         * Handles a complete body; the response is this handler's to send.
         *
         * @param exchange the request
         * @param body     the whole body, decoded, at most the limit; handed over to the handler
         * @throws Exception anything; a {@link io.kubeserve.core.error.KubeServeException} becomes the
         *         status of its code, anything else a logged 500
         */
        void handle(HttpServerExchange exchange, byte[] body) throws Exception;
    }

    /**
     * Largest body handled on the I/O thread that read it. A hand-off costs more than decoding a
     * small body; a big one goes to a worker, so its decode never stalls the other connections of
     * that I/O thread.
     */
    static final int INLINE_BYTES = 16 * 1024;

    private final long maxBytes;
    private final Executor workers;

    /**
     * A body reader with a size limit.
     *
     * @param maxBytes largest body accepted, in bytes, before and after decoding
     * @param workers  where blocking endpoints and large decodes run (Undertow's worker pool)
     */
    public RequestBodies(long maxBytes, Executor workers) {
        this.maxBytes = maxBytes;
        this.workers = workers;
    }

    /**
     * The body limit.
     *
     * @return the largest body accepted, in bytes
     */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Receives the body and runs {@code handler} on a worker, where it may block. Returns at once;
     * refusals (413, 415, 400) are answered here and the handler is not called.
     *
     * @param exchange     the request, on its I/O thread
     * @param acceptBinary whether {@code application/octet-stream} (binary tensors) is accepted besides JSON
     * @param handler      what to run with the complete body
     */
    public void receive(HttpServerExchange exchange, boolean acceptBinary, BodyHandler handler) {
        receive(exchange, acceptBinary, handler, false);
    }

    /**
     * Receives the body and runs {@code handler}, which must not block: for a body of up to
     * {@value #INLINE_BYTES} bytes on the I/O thread that read it (a hand-off to another thread
     * would cost more than decoding it), for a bigger one on a worker, so a long decode never
     * stalls the other connections of that I/O thread. The exchange stays open when the handler
     * returns; whoever finishes it sends the response.
     *
     * @param exchange     the request, on its I/O thread
     * @param acceptBinary whether {@code application/octet-stream} (binary tensors) is accepted besides JSON
     * @param handler      what to run with the complete body; must not block
     */
    public void receiveNonBlocking(HttpServerExchange exchange, boolean acceptBinary, BodyHandler handler) {
        receive(exchange, acceptBinary, handler, true);
    }

    private void receive(HttpServerExchange exchange, boolean acceptBinary, BodyHandler handler, boolean nonBlocking) {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (!acceptedType(contentType, acceptBinary)) {
            Responses.error(exchange, 415, "content type '" + contentType + "' is not supported; send application/json"
                    + (acceptBinary ? " or application/octet-stream" : ""));
            return;
        }
        ContentCodings codings;
        try {
            codings = ContentCodings.parse(exchange.getRequestHeaders().get(Headers.CONTENT_ENCODING));
        } catch (ContentCodings.Unsupported e) {
            exchange.getResponseHeaders().put(Headers.ACCEPT_ENCODING, ContentCodings.SUPPORTED);
            Responses.error(exchange, 415, e.getMessage());
            return;
        }
        long declared = exchange.getRequestContentLength();
        if (declared > maxBytes) {
            tooLarge(exchange);
            return;
        }
        exchange.setMaxEntitySize(maxBytes);
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> received(ex, body, codings, handler, nonBlocking && body.length <= INLINE_BYTES),
                (ex, failure) -> {
                    if (failure instanceof RequestTooBigException) {
                        tooLarge(ex);
                    } else {
                        // the client stopped sending or the connection broke: answer if anyone still listens
                        Responses.error(ex, 400, "the request body could not be read completely");
                    }
                });
    }

    private void received(HttpServerExchange exchange, byte[] body, ContentCodings codings, BodyHandler handler,
                          boolean small) {
        if (codings.isIdentity()) {
            exchange.dispatch(small ? SameThreadExecutor.INSTANCE : workers,
                    () -> Endpoints.run(exchange, () -> handler.handle(exchange, body)));
            return;
        }
        ContentCodings.Decoding decoding = codings.decode(body, maxBytes);
        // a few compressed kilobytes can inflate to megabytes: the I/O thread goes only as far as a small body would
        boolean inline = small && decoding.advance(INLINE_BYTES + 1L);
        exchange.dispatch(inline ? SameThreadExecutor.INSTANCE : workers, () -> Endpoints.run(exchange, () -> {
            byte[] decoded;
            try {
                decoded = decoding.result();
            } catch (ContentCodings.TooLarge e) {
                Responses.error(exchange, 413, "request body is larger than the limit of " + maxBytes
                        + " bytes once decoded (Content-Encoding: " + codings + ")");
                return;
            } catch (java.io.IOException e) {
                Responses.error(exchange, 400, decoding.describe(e));
                return;
            }
            handler.handle(exchange, decoded);
        }));
    }

    private void tooLarge(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        Responses.error(exchange, 413, "request body is larger than the limit of " + maxBytes + " bytes");
    }

    private static boolean acceptedType(String contentType, boolean acceptBinary) {
        if (contentType == null || contentType.isEmpty()) {
            return true;
        }
        String type = contentType.toLowerCase(java.util.Locale.ROOT);
        // form-urlencoded is what `curl -d` sends when no type is given; the body is read as JSON
        return type.startsWith("application/json") || type.startsWith("text/plain")
                || type.startsWith("application/x-www-form-urlencoded")
                || (acceptBinary && type.startsWith("application/octet-stream"));
    }
}
