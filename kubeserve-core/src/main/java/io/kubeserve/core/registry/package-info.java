/**
 * Model lifecycle: which versions are loaded, their states, and leases for the request path.
 *
 * <p>{@link io.kubeserve.core.registry.ModelRegistry} is the public facade. Behind it,
 * {@code RepositoryPoller} compares the repository with what is loaded and applies the version
 * policies, {@code VersionLifecycle} loads, warms up and retires versions, {@code ModelTable}
 * answers lookups and status, and {@code Leases} counts the requests holding a version so that
 * retiring it waits for them.
 */
package io.kubeserve.core.registry;
