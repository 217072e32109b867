package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the remote stores, read from environment variables (as the Kubernetes manifests pass
 * them, e.g. from the model Secret) or the matching system properties
 * ({@code KUBESERVE_S3_ENDPOINT} or {@code -Dkubeserve.s3.endpoint}).
 *
 * <ul>
 *   <li>{@code KUBESERVE_S3_ENDPOINT}: S3-compatible endpoint (MinIO, Ceph, ...); default AWS</li>
 *   <li>{@code AWS_REGION} (or {@code AWS_DEFAULT_REGION}): region; default from the AWS chain, else us-east-1</li>
 *   <li>{@code KUBESERVE_S3_PATH_STYLE}: {@code true} for {@code endpoint/bucket/key} URLs; default
 *       true with a custom endpoint, false on AWS</li>
 *   <li>{@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}: static
 *       credentials; without them the AWS default chain (web identity, profile, instance role)</li>
 *   <li>{@code KUBESERVE_S3_ANONYMOUS}: {@code true} for public buckets (no signing)</li>
 *   <li>{@code KUBESERVE_S3_VERIFY_MD5}: check single-part ETags as MD5 (default true; turn off
 *       for stores that encrypt with KMS, whose ETags are not MD5s)</li>
 *   <li>{@code KUBESERVE_MODEL_SYNC_INTERVAL}: seconds between two syncs of a cache (default 30)</li>
 * </ul>
 *
 * @param values the variables, by their environment name
 */
public record RemoteSettings(Map<String, String> values) {

    static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(30);

    public RemoteSettings {
        values = Map.copyOf(values);
    }

    /** The process environment, overridden by system properties of the same name in dotted lower case. */
    /** Every environment variable these settings read, so a server can tell typos from settings. */
    public static final java.util.List<String> VARIABLES = java.util.List.of("KUBESERVE_S3_ENDPOINT",
            "KUBESERVE_S3_PATH_STYLE", "KUBESERVE_S3_ANONYMOUS", "KUBESERVE_S3_VERIFY_MD5",
            "KUBESERVE_MODEL_SYNC_INTERVAL");

    public static RemoteSettings fromEnvironment() {
        Map<String, String> merged = new HashMap<>(System.getenv());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("kubeserve.") || name.startsWith("aws.")) {
                merged.put(name.toUpperCase(Locale.ROOT).replace('.', '_'), System.getProperty(name));
            }
        }
        return new RemoteSettings(merged);
    }

    public static RemoteSettings of(Map<String, String> values) {
        return new RemoteSettings(values);
    }

    /** A non-blank value, or null. */
    public String get(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    public String s3Endpoint() {
        return get("KUBESERVE_S3_ENDPOINT");
    }

    public String region() {
        String region = get("AWS_REGION");
        return region != null ? region : get("AWS_DEFAULT_REGION");
    }

    public boolean pathStyle() {
        return flag("KUBESERVE_S3_PATH_STYLE", s3Endpoint() != null);
    }

    public boolean anonymous() {
        return flag("KUBESERVE_S3_ANONYMOUS", false);
    }

    public boolean verifyMd5() {
        return flag("KUBESERVE_S3_VERIFY_MD5", true);
    }

    public Duration syncInterval() {
        String text = get("KUBESERVE_MODEL_SYNC_INTERVAL");
        if (text == null) {
            return DEFAULT_SYNC_INTERVAL;
        }
        try {
            long seconds = Long.parseLong(text);
            if (seconds >= 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw KubeServeException.invalidInput("KUBESERVE_MODEL_SYNC_INTERVAL must be a number of seconds >= 0, got '"
                + text + "'");
    }

    /** A copy with one value replaced (tests, the fetch command). */
    public RemoteSettings with(String name, String value) {
        Map<String, String> copy = new HashMap<>(values);
        copy.put(name, value);
        return new RemoteSettings(copy);
    }

    private boolean flag(String name, boolean fallback) {
        String text = get(name);
        if (text == null) {
            return fallback;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw KubeServeException.invalidInput(name + " must be true or false, got '" + text + "'");
        };
    }

    @Override
    public String toString() {
        // never print credentials
        return "RemoteSettings[endpoint=" + s3Endpoint() + ", region=" + region() + ", pathStyle=" + pathStyle() + "]";
    }
}
