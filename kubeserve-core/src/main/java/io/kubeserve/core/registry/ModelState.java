package io.kubeserve.core.registry;

/**
 * Where a model version is in its life. Only {@link #READY} versions take requests.
 *
 * <p>The usual path is {@code LOADING -> READY -> UNLOADING -> UNLOADED}; a version that fails goes
 * {@code LOADING -> FAILED} and stays there. Changed files, or a failed version loaded again, make a
 * new instance of the version, which starts again at {@code LOADING} while the old one keeps its
 * state until it is retired.
 */
public enum ModelState {
    /** Being loaded by its engine or warmed up; requests for it get {@code MODEL_NOT_READY}. */
    LOADING,
    /** Loaded and warmed up: takes requests. */
    READY,
    /** Loading or warm-up failed; the status carries the reason. */
    FAILED,
    /** Retiring: refuses new requests and waits for the running ones before its model is closed. */
    UNLOADING,
    /** Retired: its model is closed and its native memory freed. */
    UNLOADED
}
