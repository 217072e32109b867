package io.kubeserve.core.archfixture.a;

import io.kubeserve.core.archfixture.b.B;

/** Fixture for ArchitectureTest: half of a package cycle ({@code a -> b -> a}). */
public class A {
    B next;
}
