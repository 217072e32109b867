/**
 * The server jar's command-line pieces on picocli that need nothing of the server itself: the
 * {@code manifests} command ({@link io.kubeserve.server.cli.ManifestsCommand}, over the manifest
 * generator's options), the {@code fetch} command ({@link io.kubeserve.server.cli.FetchCommand}, over
 * the core's remote fetch), the {@code KUBESERVE_*} default-value provider
 * ({@link io.kubeserve.server.cli.EnvironmentDefaults}) and {@code --version}. The root command line
 * and the {@code serve} command, which binds the server's settings, live in {@code io.kubeserve.server}
 * so that this package does not depend on it (no package cycle).
 */
package io.kubeserve.server.cli;
