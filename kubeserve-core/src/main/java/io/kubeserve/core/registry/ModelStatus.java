package io.kubeserve.core.registry;

import io.kubeserve.core.spi.ModelMetadata;

/**
 * A snapshot of one model version's state.
 *
 * @param name        model name
 * @param version     version label
 * @param state       where it is in its life
 * @param reason      why it failed if {@link ModelState#FAILED}; for a ready version, why it is still
 *                    serving though newer files or a newer version failed to load; otherwise null
 * @param loadMillis  milliseconds from the start of loading to ready (warm-up included), or -1
 * @param metadata    the loaded model's metadata, null until it is ready
 */
public record ModelStatus(String name, String version, ModelState state, String reason, long loadMillis,
                          ModelMetadata metadata) {

    /**
     * Whether this version was serving when the snapshot was taken.
     *
     * @return true if {@link #state()} is {@link ModelState#READY}
     */
    public boolean ready() {
        return state == ModelState.READY;
    }
}
