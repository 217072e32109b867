package io.kubeserve.core.registry;

import java.util.ArrayList;
import java.util.List;

/**
 * All there is of one model: its versions, newest first, and the one serving requests that name
 * no version.
 *
 * <p>Both fields are volatile and replaced whole ({@link #publish}), so the request path reads
 * them without a lock. Changes are made while holding the entry's monitor ({@code synchronized
 * (entry)}), which serializes the lifecycle of one model and nothing else.
 */
final class ModelEntry {

    final String name;
    /** Every version known, newest first; an immutable list. */
    volatile List<ModelVersion> versions = List.of();
    /** The newest ready version, or null when none is. */
    volatile ModelVersion serving;

    ModelEntry(String name) {
        this.name = name;
    }

    /** The version labelled {@code version}, or null. */
    ModelVersion find(String version) {
        for (ModelVersion candidate : versions) {
            if (candidate.version.equals(version)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Makes {@code next} the model's versions (sorted newest first) and its newest ready one the
     * default, in that order, so that a reader who finds the new default also finds it listed.
     * Call with the entry's monitor held.
     */
    void publish(List<ModelVersion> next) {
        List<ModelVersion> sorted = new ArrayList<>(next);
        sorted.sort((a, b) -> compareVersions(b.version, a.version));
        versions = List.copyOf(sorted);
        ModelVersion newest = null;
        for (ModelVersion version : sorted) {
            if (version.ready()) {
                newest = version;
                break;
            }
        }
        serving = newest;
    }

    /** Numeric labels compare as numbers ({@code 10 > 9}); others, and mixed ones, as text. */
    static int compareVersions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }
}
