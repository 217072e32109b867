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
 * <p>Immutable and thread-safe. Values are read when asked for, so a malformed one fails only
 * the call that reads it, with an {@code INVALID_INPUT} {@link KubeServeException} naming the variable.
 *
 * @param values the variables, by their environment name
 */
public record RemoteSettings(Map<String, String> values) {

    static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(30);

    /**
     * Copies {@code values}.
     *
     * @param values the variables, by their environment name; copied
     * @throws NullPointerException if {@code values} is null or holds a null key or value
     */
    public RemoteSettings {
        values = Map.copyOf(values);
    }

    /**
     * Every {@code KUBESERVE_} variable these settings read, so a server can tell typos from
     * settings (the {@code AWS_} ones belong to the AWS SDK's conventions and are not listed).
     */
    public static final java.util.List<String> VARIABLES = java.util.List.of("KUBESERVE_S3_ENDPOINT",
            "KUBESERVE_S3_PATH_STYLE", "KUBESERVE_S3_ANONYMOUS", "KUBESERVE_S3_VERIFY_MD5",
            "KUBESERVE_MODEL_SYNC_INTERVAL");

    /**
     * The process environment, overridden by system properties of the same name in dotted lower
     * case: {@code -Dkubeserve.s3.endpoint=...} sets {@code KUBESERVE_S3_ENDPOINT}, {@code -Daws.region}
     * sets {@code AWS_REGION}. Only properties starting with {@code kubeserve.} or {@code aws.} count.
     *
     * @return a snapshot taken now; later changes to the environment or properties do not show
     */
    public static RemoteSettings fromEnvironment() {
        Map<String, String> merged = new HashMap<>(System.getenv());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("kubeserve.") || name.startsWith("aws.")) {
                merged.put(name.toUpperCase(Locale.ROOT).replace('.', '_'), System.getProperty(name));
            }
        }
        return new RemoteSettings(merged);
    }

    /**
     * Settings from explicit values, ignoring the environment (tests, embedding applications).
     *
     * @param values the variables, by their environment name; copied
     * @return the settings
     */
    public static RemoteSettings of(Map<String, String> values) {
        return new RemoteSettings(values);
    }

    /**
     * One variable's value.
     *
     * @param name the environment name, such as {@code AWS_ACCESS_KEY_ID}
     * @return the value with surrounding white space trimmed, or null if it is unset or blank
     */
    public String get(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * {@code KUBESERVE_S3_ENDPOINT}: the S3-compatible server to use instead of AWS.
     *
     * @return an endpoint URL such as {@code http://minio:9000}, or null for AWS
     */
    public String s3Endpoint() {
        return get("KUBESERVE_S3_ENDPOINT");
    }

    /**
     * {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}.
     *
     * @return a region name such as {@code eu-west-1}, or null (the S3 client then asks the AWS
     *         region chain, falling back to {@code us-east-1})
     */
    public String region() {
        String region = get("AWS_REGION");
        return region != null ? region : get("AWS_DEFAULT_REGION");
    }

    /**
     * {@code KUBESERVE_S3_PATH_STYLE}: address buckets as {@code endpoint/bucket/key} rather than
     * {@code bucket.endpoint/key}.
     *
     * @return the flag; default true when a custom endpoint is set, false on AWS
     * @throws KubeServeException {@code INVALID_INPUT} if the value is not true/false, 1/0 or yes/no
     */
    public boolean pathStyle() {
        return flag("KUBESERVE_S3_PATH_STYLE", s3Endpoint() != null);
    }

    /**
     * {@code KUBESERVE_S3_ANONYMOUS}: send unsigned requests, for public buckets.
     *
     * @return the flag; default false
     * @throws KubeServeException {@code INVALID_INPUT} if the value is not true/false, 1/0 or yes/no
     */
    public boolean anonymous() {
        return flag("KUBESERVE_S3_ANONYMOUS", false);
    }

    /**
     * {@code KUBESERVE_S3_VERIFY_MD5}: take a 32-hex-digit ETag for the object's MD5 and check
     * downloads against it.
     *
     * @return the flag; default true
     * @throws KubeServeException {@code INVALID_INPUT} if the value is not true/false, 1/0 or yes/no
     */
    public boolean verifyMd5() {
        return flag("KUBESERVE_S3_VERIFY_MD5", true);
    }

    /**
     * {@code KUBESERVE_MODEL_SYNC_INTERVAL}: least time between two syncs of a remote cache.
     *
     * @return the interval, whole seconds; default 30 s; zero syncs on every repository poll
     * @throws KubeServeException {@code INVALID_INPUT} if the value is not a whole number of seconds &gt;= 0
     */
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

    /**
     * A copy with one value replaced (tests, the fetch command); this instance is unchanged.
     *
     * @param name  the environment name
     * @param value the new value, not null
     * @return new settings
     */
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
