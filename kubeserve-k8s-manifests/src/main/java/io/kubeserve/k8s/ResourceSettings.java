package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;

/**
 * CPU and memory requests and limits of the server container, as Kubernetes quantities
 * ({@code 500m}, {@code 2}, {@code 1Gi}).
 *
 * <p>The default sets the memory request equal to its limit: the JVM sizes its heap from the limit,
 * so a pod scheduled on less memory than that could be OOM-killed under load.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cpuRequest    CPU the scheduler reserves, e.g. {@code 500m} (millicores) or {@code 1}
 * @param cpuLimit      CPU the container may use at most, at least the request
 * @param memoryRequest memory the scheduler reserves, e.g. {@code 2Gi}
 * @param memoryLimit   memory beyond which the container is OOM-killed, at least the request
 */
public record ResourceSettings(String cpuRequest, String cpuLimit, String memoryRequest, String memoryLimit) {

    /** One CPU requested, two at most; 2 GiB of memory requested and as the limit. */
    public static final ResourceSettings DEFAULT = new ResourceSettings("1", "2", "2Gi", "2Gi");

    /**
     * Checks that every value is a positive Kubernetes quantity and no request is above its limit.
     *
     * @param cpuRequest    CPU request, e.g. {@code 500m}
     * @param cpuLimit      CPU limit
     * @param memoryRequest memory request, e.g. {@code 1Gi}
     * @param memoryLimit   memory limit
     * @throws IllegalArgumentException naming the field, for a missing, malformed or non-positive
     *         quantity or a request above its limit
     */
    public ResourceSettings {
        BigDecimal cpuReq = amount("cpu request", cpuRequest);
        BigDecimal cpuLim = amount("cpu limit", cpuLimit);
        BigDecimal memReq = amount("memory request", memoryRequest);
        BigDecimal memLim = amount("memory limit", memoryLimit);
        requireAtMost("cpu", cpuRequest, cpuReq, cpuLimit, cpuLim);
        requireAtMost("memory", memoryRequest, memReq, memoryLimit, memLim);
    }

    private static BigDecimal amount(String field, String text) {
        Names.requireText(field, text);
        BigDecimal value;
        try {
            value = Quantity.getAmountInBytes(new Quantity(text));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(field + " '" + text + "' is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)");
        }
        if (value.signum() <= 0) {
            throw new IllegalArgumentException(field + " '" + text + "' must be positive");
        }
        return value;
    }

    private static void requireAtMost(String resource, String request, BigDecimal req, String limit, BigDecimal lim) {
        if (req.compareTo(lim) > 0) {
            throw new IllegalArgumentException(resource + " request " + request + " is above its limit " + limit
                    + "; Kubernetes rejects such a pod");
        }
    }
}
