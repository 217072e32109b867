/**
 * KubeServe's core, the library an application embeds to serve models in-process: the
 * {@link io.kubeserve.core.KubeServe} facade (open a repository, get a predictor, predict, close).
 *
 * <p>The pieces live in sub-packages: {@code tensor} (datatypes, tensors, specs), {@code spi}
 * (requests, responses, models, predictors, repositories, loaders), {@code error} (the one exception
 * type and its transport-neutral codes), {@code engine} (input checks, scheduling, batching,
 * warm-up, and the engines), {@code registry} (loading, versions, reloads), {@code repository}
 * (model trees on disk and in remote stores) and {@code metrics} (Micrometer binders). Nothing here
 * knows HTTP; the {@code kubeserve-http} module adapts it to the KServe protocols.
 *
 * <p>Conventions throughout: every failure meant for a caller is a
 * {@link io.kubeserve.core.error.KubeServeException} with an {@link io.kubeserve.core.error.ErrorCode};
 * public types say in their comment whether they are thread-safe and who closes what.
 */
package io.kubeserve.core;
