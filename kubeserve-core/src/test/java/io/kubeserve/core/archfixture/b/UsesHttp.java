package io.kubeserve.core.archfixture.b;

import io.kubeserve.http.archfixture.Handler;

/** Fixture for ArchitectureTest: a core class that depends on an HTTP adapter class. */
public class UsesHttp {
    Handler handler;
}
