package io.kubeserve.core.registry;

/** Where a model version is in its life. Only {@link #READY} versions take requests. */
public enum ModelState {
    LOADING,
    READY,
    /** Loading or warm-up failed; the status carries the reason. */
    FAILED,
    UNLOADING,
    UNLOADED
}
