package io.kubeserve.core.spi;

import io.kubeserve.core.error.KubeServeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which of a model's versions are served, as in Triton: the newest {@code n} (default: 1), all
 * of them, or a specific list.
 *
 * @param latest   how many of the newest versions to serve; 0 when another rule applies
 * @param all      serve every version
 * @param specific serve exactly these versions (those that exist)
 */
public record VersionPolicy(int latest, boolean all, Set<String> specific) {

    public static final VersionPolicy LATEST = new VersionPolicy(1, false, Set.of());

    public VersionPolicy {
        specific = specific == null ? Set.of() : Set.copyOf(specific);
        int rules = (latest > 0 ? 1 : 0) + (all ? 1 : 0) + (specific.isEmpty() ? 0 : 1);
        if (rules != 1) {
            throw KubeServeException.invalidInput("version_policy must be exactly one of latest (>= 1), all, specific");
        }
    }

    public static VersionPolicy newest(int count) {
        return new VersionPolicy(count, false, Set.of());
    }

    public static VersionPolicy allVersions() {
        return new VersionPolicy(0, true, Set.of());
    }

    public static VersionPolicy only(Set<String> versions) {
        return new VersionPolicy(0, false, versions);
    }

    /** The versions to serve out of those available, newest first (input is newest first). */
    public List<ModelSource> select(List<ModelSource> available) {
        if (all) {
            return available;
        }
        if (latest > 0) {
            return available.subList(0, Math.min(latest, available.size()));
        }
        List<ModelSource> chosen = new ArrayList<>();
        for (ModelSource source : available) {
            if (specific.contains(source.version())) {
                chosen.add(source);
            }
        }
        return chosen;
    }
}
