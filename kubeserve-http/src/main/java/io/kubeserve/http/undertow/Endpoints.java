package io.kubeserve.http.undertow;

import io.kubeserve.core.error.KubeServeException;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The one place where an endpoint's failure becomes an HTTP error. */
final class Endpoints {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);

    /** Work that may throw. */
    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    private Endpoints() {
    }

    /** Runs {@code work}; a {@link KubeServeException} becomes its status, anything else a logged 500. */
    static void run(HttpServerExchange exchange, Work work) {
        // work often runs on a worker thread, where the I/O thread's MDC is not: carry the request id over
        String id = RequestIds.of(exchange);
        String previous = MDC.get(RequestIds.MDC_KEY);
        if (id != null) {
            MDC.put(RequestIds.MDC_KEY, id);
        }
        try {
            work.run();
        } catch (KubeServeException e) {
            Responses.error(exchange, e);
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
            Responses.error(exchange, 500, "internal error; see the server log");
        } finally {
            RequestIds.restore(previous);
        }
    }
}
