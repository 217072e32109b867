/**
 * What all engines share: input checks against the model's specs, the per-version
 * {@link io.kubeserve.core.engine.ModelScheduler} (queue, instances, dynamic batching, deadlines),
 * output selection, class names and warm-up. Engines themselves live in sub-packages and implement
 * {@link io.kubeserve.core.engine.EngineRunner}.
 */
package io.kubeserve.core.engine;
