package io.kubeserve.k8s;

import java.util.Locale;

/**
 * Where the server finds its model repository.
 *
 * <ul>
 *   <li>{@code /some/path} ({@link Kind#IMAGE}): baked into the image at that path. No volume is
 *       needed; the read-only root filesystem already keeps it read-only. Default {@code /models}.</li>
 *   <li>{@code pvc://claim[/sub/path]} ({@link Kind#PVC}): an existing PersistentVolumeClaim, mounted
 *       read-only at {@code /models}. Same syntax as KServe's storage URIs.</li>
 *   <li>{@code s3://bucket/prefix} ({@link Kind#S3}): fetched at pod start by an init container into an
 *       emptyDir, which the server mounts read-only at {@code /models}.</li>
 * </ul>
 *
 * @param kind  which of the three
 * @param value the path (IMAGE) or the full URI (PVC, S3)
 *
 * <p>Immutable and thread-safe.
 */
public record ModelLocation(Kind kind, String value) {

    /** The kinds of model location. */
    public enum Kind {
        /** A directory baked into the server image. */
        IMAGE,
        /** An existing PersistentVolumeClaim, {@code pvc://claim[/sub/path]}. */
        PVC,
        /** An S3 (or S3-compatible) bucket and prefix, {@code s3://bucket/prefix}. */
        S3
    }

    /** Where a mounted model volume appears inside the container. */
    public static final String MOUNT_PATH = "/models";

    /** Models baked into the image at {@code /models}. */
    public static final ModelLocation DEFAULT = new ModelLocation(Kind.IMAGE, MOUNT_PATH);

    /**
     * Checks the value against its kind.
     *
     * @param kind  which kind of location; required
     * @param value an absolute path without {@code ..} (IMAGE), {@code pvc://} with a DNS-1123 claim
     *              name and no {@code ..} (PVC), or {@code s3://} with a valid bucket name (S3)
     * @throws IllegalArgumentException naming the location and what is wrong
     */
    public ModelLocation {
        if (kind == null) {
            throw new IllegalArgumentException("model location kind is required");
        }
        Names.requireText("model location", value);
        switch (kind) {
            case IMAGE -> requireAbsolutePath(value);
            case PVC -> {
                requirePrefix(value, "pvc://");
                Names.requireDns1123Subdomain("model PVC claim name", claimName(value));
                String sub = subPathOf(value);
                if (sub.contains("..")) {
                    throw new IllegalArgumentException("model location '" + value + "' must not contain '..'");
                }
            }
            case S3 -> {
                requirePrefix(value, "s3://");
                String bucket = value.substring("s3://".length()).split("/", 2)[0];
                if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                    throw new IllegalArgumentException("model location '" + value + "' has no valid S3 bucket name");
                }
            }
            default -> throw new AssertionError(kind);
        }
    }

    /**
     * Reads {@code s3://...}, {@code pvc://...} or an absolute path; the scheme is matched
     * case-insensitively.
     *
     * @param text the location as a user wrote it, e.g. {@code s3://models/iris}
     * @return the location
     * @throws IllegalArgumentException for another scheme, a relative path, or a value its kind refuses
     */
    public static ModelLocation parse(String text) {
        Names.requireText("model location", text);
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("s3://")) {
            return new ModelLocation(Kind.S3, text);
        }
        if (lower.startsWith("pvc://")) {
            return new ModelLocation(Kind.PVC, text);
        }
        if (text.contains("://")) {
            throw new IllegalArgumentException("model location '" + text
                    + "' must be an absolute path in the image, pvc://claim[/path] or s3://bucket/prefix");
        }
        return new ModelLocation(Kind.IMAGE, text);
    }

    /**
     * Whether the pod needs a model volume at {@link #MOUNT_PATH}.
     *
     * @return true for PVC and S3 locations
     */
    public boolean needsVolume() {
        return kind != Kind.IMAGE;
    }

    /**
     * The directory the server reads models from in a plain Deployment.
     *
     * @return the image path for IMAGE, else {@link #MOUNT_PATH}
     */
    public String serverPath() {
        return kind == Kind.IMAGE ? value : MOUNT_PATH;
    }

    /**
     * The claim of a PVC location; meaningless for the other kinds.
     *
     * @return the PersistentVolumeClaim's name
     */
    public String claimName() {
        return claimName(value);
    }

    /**
     * The path inside the claim of a PVC location; meaningless for the other kinds.
     *
     * @return the sub-path without trailing slashes; empty for the claim's root
     */
    public String subPath() {
        return subPathOf(value);
    }

    private static String claimName(String uri) {
        return uri.substring("pvc://".length()).split("/", 2)[0];
    }

    private static String subPathOf(String uri) {
        String[] parts = uri.substring("pvc://".length()).split("/", 2);
        return parts.length < 2 ? "" : parts[1].replaceAll("/+$", "");
    }

    private static void requirePrefix(String value, String prefix) {
        if (!value.startsWith(prefix)) {
            throw new IllegalArgumentException("model location '" + value + "' must start with " + prefix);
        }
    }

    private static void requireAbsolutePath(String value) {
        if (!value.startsWith("/") || value.contains("..")) {
            throw new IllegalArgumentException("model location '" + value
                    + "' must be an absolute path without '..' (or pvc://, s3://)");
        }
    }

    /**
     * The location as it was written.
     *
     * @return the path or URI
     */
    @Override
    public String toString() {
        return value;
    }
}
