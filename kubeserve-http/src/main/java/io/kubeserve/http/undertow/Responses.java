package io.kubeserve.http.undertow;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.http.codec.ErrorBody;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;

/**
 * Writes responses, and decides the HTTP status of every error: here and nowhere else.
 *
 * <p>Error bodies are {@code {"error": "..."}} with the exception's message, which is written for
 * clients; stack traces and internal causes go to the log only.
 */
public final class Responses {

    public static final String JSON = "application/json";
    public static final HttpString RETRY_AFTER = new HttpString("Retry-After");

    private Responses() {
    }

    /** The HTTP status for a core error code. */
    public static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_INPUT -> 400;
            case MODEL_NOT_FOUND -> 404;
            case MODEL_NOT_READY, OVERLOADED -> 503;
            case TIMEOUT -> 504;
            case UNSUPPORTED -> 501;
            case INTERNAL -> 500;
        };
    }

    public static void error(HttpServerExchange exchange, KubeServeException error) {
        if (error.code() == ErrorCode.OVERLOADED || error.code() == ErrorCode.MODEL_NOT_READY) {
            exchange.getResponseHeaders().put(RETRY_AFTER, "1");
        }
        error(exchange, status(error.code()), error.getMessage());
    }

    public static void error(HttpServerExchange exchange, int status, String message) {
        send(exchange, status, JSON, ErrorBody.encode(message == null ? "error" : message));
    }

    public static void json(HttpServerExchange exchange, int status, byte[] body) {
        send(exchange, status, JSON, body);
    }

    public static void send(HttpServerExchange exchange, int status, String contentType, byte[] body) {
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        if (unreadBodyWillBeDropped(exchange)) {
            // Undertow drains an unread body only up to the entity limit, then drops the
            // connection; announce it, or the client reuses a connection that is about to break
            exchange.setPersistent(false);
        }
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.setResponseContentLength(body.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    /** An answer given without reading the body (404, 405, 415, a GET), to a body over the limit or of unknown length. */
    private static boolean unreadBodyWillBeDropped(HttpServerExchange exchange) {
        long limit = exchange.getMaxEntitySize();
        if (exchange.isRequestComplete() || limit <= 0) {
            return false;
        }
        long declared = exchange.getRequestContentLength();
        return declared > limit || (declared < 0 && exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING));
    }
}
