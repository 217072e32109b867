package io.kubeserve.bench;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one measured load run did: successful calls, their latency and the failures by status.
 * Only the measurement window counts (not the warm-up, not the calls still in flight at its end).
 *
 * @param label the first cell of the Markdown row (the target: model and input)
 * @param connections channels (each one HTTP/2 connection)
 * @param concurrency calls kept in flight across all channels
 * @param seconds length of the measurement window, in seconds
 * @param completed calls answered OK within the window
 * @param p50Ms median latency of those calls, in milliseconds (send to answer, client side)
 * @param p90Ms 90th percentile, in milliseconds
 * @param p99Ms 99th percentile, in milliseconds
 * @param maxMs the slowest OK call, in milliseconds
 * @param errors failed calls within the window by gRPC status code name (e.g. {@code UNAVAILABLE});
 *     an OK answer without outputs counts as {@code NO_OUTPUTS}; copied, sorted by name
 */
public record LoadReport(String label, int connections, int concurrency, double seconds, long completed,
                         double p50Ms, double p90Ms, double p99Ms, double maxMs, Map<String, Long> errors) {

    /**
     * Copies the error counts into an unmodifiable map sorted by status name.
     *
     * @param label the first cell of the row
     * @param connections channels
     * @param concurrency calls in flight
     * @param seconds the measurement window, in seconds
     * @param completed calls answered OK
     * @param p50Ms median latency, in milliseconds
     * @param p90Ms 90th percentile, in milliseconds
     * @param p99Ms 99th percentile, in milliseconds
     * @param maxMs the slowest OK call, in milliseconds
     * @param errors failed calls by status name
     */
    public LoadReport {
        errors = Collections.unmodifiableMap(new TreeMap<>(errors));
    }

    /** {@return successful calls per second of the measurement window} */
    public double requestsPerSecond() {
        return seconds > 0 ? completed / seconds : 0;
    }

    /** {@return all failed calls of the window, whatever their status} */
    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@return the two header lines of the table {@link #markdownRow()} rows belong to} */
    public static String markdownHeader() {
        return "| target | connections | in flight | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---|";
    }

    /**
     * One Markdown table row: label, connections, calls in flight, requests/s (whole), p50, p90,
     * p99 and max in milliseconds (three decimals, as the wrk scripts print them), then the error
     * count followed by the counts per status when there are any: {@code 3 (UNAVAILABLE 3)}.
     *
     * @return the row, without a line break
     */
    public String markdownRow() {
        StringBuilder errorText = new StringBuilder().append(errorCount());
        if (!errors.isEmpty()) {
            errorText.append(" (");
            errors.forEach((code, count) -> errorText.append(errorText.charAt(errorText.length() - 1) == '(' ? "" : ", ")
                    .append(code).append(' ').append(count));
            errorText.append(')');
        }
        return String.format(Locale.ROOT, "| %s | %d | %d | %.0f | %.3f | %.3f | %.3f | %.3f | %s |",
                label, connections, concurrency, requestsPerSecond(), p50Ms, p90Ms, p99Ms, maxMs, errorText);
    }
}
