package io.kubeserve.http.archfixture.b;

import io.kubeserve.http.archfixture.a.A;

/** Fixture for ArchitectureTest: the other half of a package cycle ({@code b -> a -> b}). */
public class B {
    A back;
}
