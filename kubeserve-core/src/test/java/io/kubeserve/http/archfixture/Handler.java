package io.kubeserve.http.archfixture;

/** Fixture for kubeserve-core's ArchitectureTest: stands in for a class of the HTTP adapter. */
public class Handler {
}
