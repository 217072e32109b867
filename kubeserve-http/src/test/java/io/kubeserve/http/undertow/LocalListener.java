package io.kubeserve.http.undertow;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A handler under test behind Undertow on a free port of 127.0.0.1; {@link #close()} stops it.
 *
 * @param undertow the started server
 * @param port     the port it listens on
 */
record LocalListener(Undertow undertow, int port) implements AutoCloseable {

    static LocalListener start(HttpHandler handler) {
        Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(handler).build();
        undertow.start();
        return new LocalListener(undertow, ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort());
    }

    /** The address of a path on the listener, e.g. {@code /metrics}. */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
