package io.kubeserve.server.archfixture;

/** Fixture for kubeserve-http's ArchitectureTest: stands in for a class of the standalone server. */
public class Server {
}
