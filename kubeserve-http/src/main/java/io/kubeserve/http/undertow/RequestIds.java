package io.kubeserve.http.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ResponseCommitListener;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * Gives every request an id: the client's {@code X-Request-ID} when it is a safe token (at most 64
 * of {@code [A-Za-z0-9._-]}, so it cannot forge log lines or headers), else a new random one. The id
 * goes back in the response's {@code X-Request-ID}, and into the logging MDC as {@code request_id}
 * while this request is handled, on the I/O thread here and on worker threads in {@link Endpoints}.
 *
 * <p>Also, as the response is committed (one commit listener a request): drops any {@code Server}
 * header, since the server's name and version help only someone looking for a known
 * vulnerability, and dates the response ({@link HttpDates}), so Undertow makes no {@code Date} of
 * its own.
 *
 * <p>Thread-safe and stateless apart from the next handler: one instance serves every I/O thread.
 */
public final class RequestIds implements HttpHandler {

    /** The request and response header carrying the id. */
    public static final HttpString HEADER = new HttpString("X-Request-ID");
    /** The MDC key log lines carry the id under. */
    public static final String MDC_KEY = "request_id";
    static final AttachmentKey<String> ID = AttachmentKey.create(String.class);

    private static final int MAX_LENGTH = 64;
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The headers every response gets set as it is committed, so a queued request's answer has its own time. */
    private static final ResponseCommitListener RESPONSE_HEADERS = exchange -> {
        HeaderMap headers = exchange.getResponseHeaders();
        headers.remove(Headers.SERVER);
        headers.put(Headers.DATE, HttpDates.now());
    };

    private final HttpHandler next;

    /**
     * A handler that gives each request its id, then hands it on.
     *
     * @param next the handler to run with the id in place
     */
    public RequestIds(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String id = accepted(exchange.getRequestHeaders().getFirst(HEADER));
        if (id == null) {
            id = generate();
        }
        exchange.putAttachment(ID, id);
        exchange.getResponseHeaders().put(HEADER, id);
        exchange.addResponseCommitListener(RESPONSE_HEADERS);
        String previous = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        try {
            next.handleRequest(exchange);
        } finally {
            restore(previous);
        }
    }

    /**
     * The request's id, for handlers and logs further in.
     *
     * @param exchange the request
     * @return the id (the client's or a 32-character hex one), or null for a request that did not go
     *         through this handler
     */
    public static String of(HttpServerExchange exchange) {
        return exchange.getAttachment(ID);
    }

    /** The client's id if it is safe to echo and log, else null. */
    static String accepted(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH) {
            return null;
        }
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!allowed) {
                return null;
            }
        }
        return candidate;
    }

    /** 128 random bits in hex: unique enough to find a request in the logs, and not a secret. */
    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] hex = new byte[32];
        writeHex(random.nextLong(), hex, 0);
        writeHex(random.nextLong(), hex, 16);
        return new String(hex, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static void writeHex(long value, byte[] out, int offset) {
        for (int i = 15; i >= 0; i--) {
            out[offset + i] = HEX_DIGITS[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    static void restore(String previous) {
        if (previous == null) {
            MDC.remove(MDC_KEY);
        } else {
            MDC.put(MDC_KEY, previous);
        }
    }
}
