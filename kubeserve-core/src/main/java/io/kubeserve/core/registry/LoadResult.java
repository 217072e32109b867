package io.kubeserve.core.registry;

import java.util.List;

/**
 * What an explicit {@link ModelRegistry#load} did: the version now serving by default and the
 * state of every version the model has. A load that fails does not return one; it throws, saying
 * which versions failed, why, and which version keeps serving.
 *
 * @param name     model name
 * @param serving  the version requests without a version now get
 * @param versions every version of the model, newest first
 */
public record LoadResult(String name, String serving, List<ModelStatus> versions) {

    /**
     * Copies {@code versions} into an immutable list.
     *
     * @param name     model name
     * @param serving  the version serving by default
     * @param versions every version of the model, newest first
     * @throws NullPointerException if {@code versions} or any of its elements is null
     */
    public LoadResult {
        versions = List.copyOf(versions);
    }

    /**
     * The versions that are ready, newest first; {@link #serving()} is the first of them.
     *
     * @return version labels, a new immutable list
     */
    public List<String> readyVersions() {
        return versions.stream().filter(ModelStatus::ready).map(ModelStatus::version).toList();
    }
}
