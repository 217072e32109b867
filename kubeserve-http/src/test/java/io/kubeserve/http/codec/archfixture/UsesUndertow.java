package io.kubeserve.http.codec.archfixture;

import io.undertow.server.HttpServerExchange;

/** Fixture for ArchitectureTest: a codec class that depends on Undertow. */
public class UsesUndertow {
    HttpServerExchange exchange;
}
