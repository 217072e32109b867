package io.kubeserve.server.archfixture.a;

import io.kubeserve.server.archfixture.b.B;

/** Fixture for ArchitectureTest: half of a package cycle ({@code a -> b -> a}). */
public class A {
    B next;
}
