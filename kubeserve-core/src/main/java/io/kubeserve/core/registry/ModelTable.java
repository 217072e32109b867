package io.kubeserve.core.registry;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models the registry knows, by name, and the lookups of the request path: which version
 * serves a request, the status of each version, readiness.
 *
 * <p>Lookups read a concurrent map and volatile fields and take no lock. Entries are added by
 * {@link RepositoryPoller} and never removed (an unloaded model keeps its entry, with no version
 * serving). Thread-safe.
 */
final class ModelTable {

    private final Map<String, ModelEntry> entries = new ConcurrentHashMap<>();

    /** The entry of {@code name}, created empty if the registry did not know it. */
    ModelEntry entryFor(String name) {
        return entries.computeIfAbsent(name, ModelEntry::new);
    }

    /**
     * The entry of {@code name}.
     *
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if the registry does not know it
     */
    ModelEntry entry(String name) {
        ModelEntry entry = name == null ? null : entries.get(name);
        if (entry == null) {
            throw KubeServeException.modelNotFound(name);
        }
        return entry;
    }

    /** Every entry, in no particular order; a weakly consistent view. */
    Collection<ModelEntry> entries() {
        return entries.values();
    }

    /** Names of every model known, sorted. */
    List<String> names() {
        return entries.keySet().stream().sorted().toList();
    }

    /**
     * The ready version that serves a request for {@code name} and {@code version} (null or empty:
     * the default, the newest ready one). It may start retiring right after; take a lease on it
     * before using its model.
     *
     * @throws KubeServeException {@code MODEL_NOT_FOUND} for an unknown model or version label;
     *         {@code MODEL_NOT_READY} with the reason (loading, failed and why, unloading)
     */
    ModelVersion lookup(String name, String version) {
        ModelEntry entry = entry(name);
        if (version == null || version.isEmpty()) {
            ModelVersion serving = entry.serving;
            if (serving != null) {
                return serving;
            }
            List<ModelVersion> versions = entry.versions;
            throw KubeServeException.notReady("model '" + name + "' " + (versions.isEmpty()
                    ? "is not loaded" : describeNotReady(versions.get(0))));
        }
        ModelVersion found = entry.find(version);
        if (found == null) {
            throw new KubeServeException(ErrorCode.MODEL_NOT_FOUND, "model '" + name + "' has no version '" + version
                    + "' loaded");
        }
        if (!found.ready()) {
            throw KubeServeException.notReady("model '" + name + "' " + describeNotReady(found));
        }
        return found;
    }

    private static String describeNotReady(ModelVersion version) {
        String which = version.version.isEmpty() ? "" : "version " + version.version + " ";
        return version.state == ModelState.FAILED ? which + "failed to load: " + version.reason
                : which + "is " + version.state.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Status of every version of {@code name}, newest first; one {@code UNLOADED} status with an
     * empty version label if it has none.
     *
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if the registry does not know it
     */
    List<ModelStatus> statuses(String name) {
        List<ModelVersion> versions = entry(name).versions;
        if (versions.isEmpty()) {
            return List.of(new ModelStatus(name, "", ModelState.UNLOADED, null, -1, null));
        }
        return versions.stream().map(ModelVersion::status).toList();
    }

    /** Status of every version of every model, by model name then newest version first. */
    List<ModelStatus> statuses() {
        List<ModelStatus> out = new ArrayList<>();
        for (String name : names()) {
            out.addAll(statuses(name));
        }
        return out;
    }

    /** Whether any model has a version serving. */
    boolean anyServing() {
        for (ModelEntry entry : entries.values()) {
            if (entry.serving != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether each of {@code names} is known and has a version serving. */
    boolean allServing(Set<String> names) {
        for (String name : names) {
            ModelEntry entry = entries.get(name);
            if (entry == null || entry.serving == null) {
                return false;
            }
        }
        return true;
    }
}
