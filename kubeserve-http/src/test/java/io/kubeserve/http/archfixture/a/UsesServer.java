package io.kubeserve.http.archfixture.a;

import io.kubeserve.server.archfixture.Server;

/** Fixture for ArchitectureTest: an HTTP adapter class that depends on the standalone server. */
public class UsesServer {
    Server server;
}
