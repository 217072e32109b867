package io.kubeserve.core.spi;

import io.kubeserve.core.error.KubeServeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which of a model's versions are served, as in Triton: the newest {@code n} (default: 1), all
 * of them, or a specific list (Triton's {@code ModelVersionPolicy} in {@code model_config.proto}:
 * {@code latest.num_versions}, {@code all}, {@code specific.versions}). Exactly one rule applies.
 * Immutable and thread-safe.
 *
 * @param latest   how many of the newest versions to serve; 0 when another rule applies
 * @param all      serve every version
 * @param specific serve exactly these versions (those that exist)
 */
public record VersionPolicy(int latest, boolean all, Set<String> specific) {

    /** The default: the newest version only. */
    public static final VersionPolicy LATEST = new VersionPolicy(1, false, Set.of());

    /**
     * Copies {@code specific} and checks that exactly one rule is set.
     *
     * @param latest   how many newest versions, or 0
     * @param all      whether to serve every version
     * @param specific version labels to serve; null or empty when another rule applies
     * @throws KubeServeException {@code INVALID_INPUT} unless exactly one of {@code latest >= 1},
     *         {@code all} and a non-empty {@code specific} is given
     */
    public VersionPolicy {
        specific = specific == null ? Set.of() : Set.copyOf(specific);
        int rules = (latest > 0 ? 1 : 0) + (all ? 1 : 0) + (specific.isEmpty() ? 0 : 1);
        if (rules != 1) {
            throw KubeServeException.invalidInput("version_policy must be exactly one of latest (>= 1), all, specific");
        }
    }

    /**
     * Serves the newest {@code count} versions.
     *
     * @param count how many, at least 1
     * @return the policy
     * @throws KubeServeException {@code INVALID_INPUT} if {@code count} is below 1
     */
    public static VersionPolicy newest(int count) {
        return new VersionPolicy(count, false, Set.of());
    }

    /**
     * Serves every version in the repository.
     *
     * @return the policy
     */
    public static VersionPolicy allVersions() {
        return new VersionPolicy(0, true, Set.of());
    }

    /**
     * Serves exactly the versions listed, those of them that exist; a listed version missing from
     * the repository is not an error.
     *
     * @param versions version labels ({@code "1"}, {@code "3"}), at least one; copied
     * @return the policy
     * @throws KubeServeException {@code INVALID_INPUT} if {@code versions} is empty
     */
    public static VersionPolicy only(Set<String> versions) {
        return new VersionPolicy(0, false, versions);
    }

    /**
     * The versions to serve out of those available.
     *
     * @param available the model's versions, newest first, as {@link ModelRepository#versions} gives them
     * @return the chosen ones, newest first; possibly a view of {@code available} (do not change
     *         either afterwards), possibly empty for a specific list none of which exists
     */
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
