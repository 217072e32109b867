/**
 * What all engines share: input checks against the model's specs, output selection, class names
 * and warm-up. Engines themselves live in sub-packages and implement {@link io.kubeserve.core.engine.EngineRunner}.
 */
package io.kubeserve.core.engine;
