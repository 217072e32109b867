/** Model lifecycle: which versions are loaded, their states, and lookups for the request path. */
package io.kubeserve.core.registry;
