package io.kubeserve.http.undertow;

import io.undertow.predicate.Predicates;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.encoding.ContentEncodingRepository;
import io.undertow.server.handlers.encoding.EncodingHandler;
import io.undertow.server.handlers.encoding.GzipEncodingProvider;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.util.zip.Deflater;

/**
 * Compresses a response with gzip when the client's {@code Accept-Encoding} asks for it (q-values
 * and {@code identity} honoured by Undertow's {@link EncodingHandler}) and the body is over
 * {@value #MIN_BYTES} bytes; below that the saving is less than a packet and not worth the CPU.
 * Every response says {@code Vary: Accept-Encoding}, so caches keep the two forms apart.
 *
 * <p>Only gzip: Undertow's {@code DeflateEncodingProvider} writes raw deflate, while RFC 9110's
 * {@code deflate} is the zlib format, and clients that accept deflate accept gzip as well.
 *
 * <p>The compression runs where the response is written, on the I/O thread for inference answers,
 * so it uses the fastest level: on JSON of numbers it keeps most of the saving at a fraction of
 * the default level's cost.
 */
final class ResponseCompression implements HttpHandler {

    /** Smallest body compressed: about one Ethernet frame. */
    static final long MIN_BYTES = 1400;

    private static final String IDENTITY = "identity";

    private final HttpHandler encoding;
    private final HttpHandler next;

    ResponseCompression(HttpHandler next) {
        this.next = next;
        ContentEncodingRepository encodings = new ContentEncodingRepository()
                .addEncodingHandler("gzip", new GzipEncodingProvider(Deflater.BEST_SPEED), 100,
                        Predicates.maxContentSize(MIN_BYTES));
        this.encoding = new EncodingHandler(next, encodings);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        exchange.getResponseHeaders().add(Headers.VARY, Headers.ACCEPT_ENCODING_STRING);
        if (exchange.getRequestMethod().equals(Methods.HEAD)
                || !exchange.getRequestHeaders().contains(Headers.ACCEPT_ENCODING)) {
            // HEAD: no body to compress, and the encoder would announce gzip beside the plain
            // body's length. No Accept-Encoding: nothing to negotiate, so the encoder's per-request
            // wrapping (a few percent of a small request's CPU) is skipped
            next.handleRequest(exchange);
            return;
        }
        // Undertow labels an uncompressed answer to an Accept-Encoding it cannot meet "identity",
        // which RFC 9110 reserves for requests; the absence of the header says it
        exchange.addResponseCommitListener(ex -> {
            if (IDENTITY.equalsIgnoreCase(ex.getResponseHeaders().getFirst(Headers.CONTENT_ENCODING))) {
                ex.getResponseHeaders().remove(Headers.CONTENT_ENCODING);
            }
        });
        encoding.handleRequest(exchange);
    }
}
