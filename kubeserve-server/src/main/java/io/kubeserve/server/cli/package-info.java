/**
 * The server jar's command line, on picocli: {@link io.kubeserve.server.cli.Cli} builds it with the
 * commands {@code serve} (the default, {@link io.kubeserve.server.cli.ServeCommand}), {@code manifests}
 * ({@link io.kubeserve.server.cli.ManifestsCommand}) and {@code fetch}
 * ({@link io.kubeserve.server.cli.FetchCommand}). {@code serve} takes its defaults from
 * {@code KUBESERVE_*} environment variables ({@link io.kubeserve.server.cli.EnvironmentDefaults}).
 * Only the binding lives here: the settings themselves are {@link io.kubeserve.server.ServerConfig},
 * {@link io.kubeserve.k8s.ManifestOptions} and {@link io.kubeserve.core.repository.remote.RemoteFetch}.
 */
package io.kubeserve.server.cli;
