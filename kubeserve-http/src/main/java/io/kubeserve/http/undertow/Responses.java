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
 *
 * <p>Stateless and thread-safe; the methods may be called on an I/O thread or a worker thread. The
 * body arrays passed in are sent without a copy, asynchronously: they belong to the exchange from
 * then on and must not be changed.
 */
public final class Responses {

    /** The content type of every JSON body. */
    public static final String JSON = "application/json";
    /** The header sent with 503 answers, in seconds: when to try again (RFC 9110, section 10.2.3). */
    public static final HttpString RETRY_AFTER = new HttpString("Retry-After");

    private Responses() {
    }

    /**
     * The HTTP status for a core error code.
     *
     * @param code the error code
     * @return 400 {@code INVALID_INPUT}, 404 {@code MODEL_NOT_FOUND}, 503 {@code MODEL_NOT_READY} and
     *         {@code OVERLOADED}, 504 {@code TIMEOUT}, 501 {@code UNSUPPORTED}, 499 {@code CANCELLED}
     *         (never sent: that client is gone), 500 {@code INTERNAL}
     */
    public static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_INPUT -> 400;
            case MODEL_NOT_FOUND -> 404;
            case MODEL_NOT_READY, OVERLOADED -> 503;
            case TIMEOUT -> 504;
            case UNSUPPORTED -> 501;
            case CANCELLED -> 499;
            case INTERNAL -> 500;
        };
    }

    /**
     * Answers with the status of the error's code and its message as {@code {"error": "..."}};
     * {@code OVERLOADED} and {@code MODEL_NOT_READY} also get {@code Retry-After: 1}.
     *
     * @param exchange the request to answer
     * @param error    the failure; its message is sent, its cause is not
     */
    public static void error(HttpServerExchange exchange, KubeServeException error) {
        if (error.code() == ErrorCode.OVERLOADED || error.code() == ErrorCode.MODEL_NOT_READY) {
            retryLater(exchange, status(error.code()), 1, error.getMessage());
            return;
        }
        error(exchange, status(error.code()), error.getMessage());
    }

    /**
     * Answers with a status, {@code Retry-After} (RFC 9110 §10.2.3, in seconds) and
     * {@code {"error": "..."}}: for a refusal the client may retry, such as 429 or 503.
     *
     * @param exchange the request to answer
     * @param status   the HTTP status
     * @param seconds  when the client may retry, at least 1
     * @param message  for the client
     */
    public static void retryLater(HttpServerExchange exchange, int status, long seconds, String message) {
        exchange.getResponseHeaders().put(RETRY_AFTER, Long.toString(seconds));
        error(exchange, status, message);
    }

    /**
     * Answers with a status and {@code {"error": "..."}}.
     *
     * @param exchange the request to answer
     * @param status   the HTTP status, e.g. 405
     * @param message  for the client; null is sent as {@code "error"}
     */
    public static void error(HttpServerExchange exchange, int status, String message) {
        send(exchange, status, JSON, ErrorBody.encode(message == null ? "error" : message));
    }

    /**
     * Answers with a JSON body.
     *
     * @param exchange the request to answer
     * @param status   the HTTP status
     * @param body     UTF-8 JSON; handed over, not copied
     */
    public static void json(HttpServerExchange exchange, int status, byte[] body) {
        send(exchange, status, JSON, body);
    }

    /**
     * Answers with a body and its {@code Content-Length}. When the response has started already it
     * only ends the exchange; when the request body was not read and Undertow would drop the
     * connection to skip it, the response says {@code Connection: close}.
     *
     * @param exchange    the request to answer
     * @param status      the HTTP status
     * @param contentType the {@code Content-Type} header value
     * @param body        the bytes to send; handed over, not copied
     */
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
    static boolean unreadBodyWillBeDropped(HttpServerExchange exchange) {
        long limit = exchange.getMaxEntitySize();
        if (exchange.isRequestComplete() || limit <= 0) {
            return false;
        }
        long declared = exchange.getRequestContentLength();
        return declared > limit || (declared < 0 && exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING));
    }
}
