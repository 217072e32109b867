/**
 * The small public contracts of KubeServe: a {@link io.kubeserve.core.spi.Model} and its
 * {@link io.kubeserve.core.spi.Predictor}, a {@link io.kubeserve.core.spi.ModelRepository} that
 * says what exists, and {@link io.kubeserve.core.spi.ModelLoader}s that turn files into models.
 */
package io.kubeserve.core.spi;
