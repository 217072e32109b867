package io.kubeserve.server.archfixture.b;

import io.kubeserve.server.archfixture.a.A;

/** Fixture for ArchitectureTest: the other half of a package cycle ({@code b -> a -> b}). */
public class B {
    A back;
}
