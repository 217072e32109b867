package io.kubeserve.core.registry;

import io.kubeserve.core.spi.ModelMetadata;

/**
 * A snapshot of one model version's state.
 *
 * @param name        model name
 * @param version     version label
 * @param state       where it is in its life
 * @param reason      why it failed (null unless {@link ModelState#FAILED})
 * @param loadMillis  milliseconds from the start of loading to ready (warm-up included), or -1
 * @param metadata    the loaded model's metadata, null until it is ready
 */
public record ModelStatus(String name, String version, ModelState state, String reason, long loadMillis,
                          ModelMetadata metadata) {

    public boolean ready() {
        return state == ModelState.READY;
    }
}
