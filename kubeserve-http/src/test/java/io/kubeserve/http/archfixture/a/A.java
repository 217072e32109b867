package io.kubeserve.http.archfixture.a;

import io.kubeserve.http.archfixture.b.B;

/** Fixture for ArchitectureTest: half of a package cycle ({@code a -> b -> a}). */
public class A {
    B next;
}
