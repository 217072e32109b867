package io.kubeserve.http.undertow;

import io.kubeserve.core.KubeServeException;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
        try {
            work.run();
        } catch (KubeServeException e) {
            Responses.error(exchange, e);
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
            Responses.error(exchange, 500, "internal error; see the server log");
        }
    }
}
