package io.kubeserve.core.archfixture.a;

import ai.djl.ndarray.NDList;
import ai.onnxruntime.OrtSession;

/** Fixture for ArchitectureTest: engine APIs used outside {@code engine.djl}. */
public class UsesEngines {
    NDList tensors;
    OrtSession session;
}
