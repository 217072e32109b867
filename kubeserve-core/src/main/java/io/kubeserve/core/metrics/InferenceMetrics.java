package io.kubeserve.core.metrics;

import io.kubeserve.core.error.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Request metrics, as Prometheus sees them:
 * <ul>
 *   <li>{@code inference_requests_total{model,protocol,status}}: status is {@code success} or the
 *       error code in lower case ({@code invalid_input}, {@code overloaded}, ...);</li>
 *   <li>{@code inference_request_duration_seconds{model,protocol}}: a histogram with buckets from
 *       0.25 ms to 10 s, so {@code histogram_quantile} works on millisecond latencies;</li>
 *   <li>{@code inference_errors_total{protocol,code}}: every failed request, including those
 *       for unknown models, which are not given a model label.</li>
 * </ul>
 * Series exist only for models the registry knows, so a client sending random model names cannot
 * grow the scrape. Meters are built once per model and protocol, not per request.
 *
 * <p>Thread-safe: request threads record concurrently. It registers meters in the given
 * {@link MeterRegistry} but does not own it.
 */
public final class InferenceMetrics {

    static final Duration[] BUCKETS = {
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
    };

    private final MeterRegistry registry;
    /** Per model, its meters by protocol ordinal; built on a model's first request, then only read. */
    private final Map<String, ModelMeters[]> byModel = new ConcurrentHashMap<>();
    private final Map<Protocol, Map<ErrorCode, Counter>> errorsByProtocol = new ConcurrentHashMap<>();

    /**
     * Request metrics recorded into a registry; meters appear on first use.
     *
     * @param registry where the meters go (dotted Micrometer names such as
     *                 {@code inference.requests}, rendered by Prometheus as listed above); not closed here
     */
    public InferenceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Records a request to a known model: its duration, and its outcome in
     * {@code inference_requests_total} (and {@code inference_errors_total} when it failed).
     *
     * @param model    a model name the registry knows (callers check; unknown names go to {@link #error})
     * @param protocol the protocol the request came in by
     * @param error    why it failed, or null for a success
     * @param nanos    time from the complete request body to the response, in nanoseconds
     */
    public void record(String model, Protocol protocol, ErrorCode error, long nanos) {
        ModelMeters[] perProtocol = byModel.get(model);
        if (perProtocol == null) {
            perProtocol = byModel.computeIfAbsent(model, name -> {
                ModelMeters[] meters = new ModelMeters[Protocol.values().length];
                for (Protocol each : Protocol.values()) {
                    meters[each.ordinal()] = new ModelMeters(registry, name, each.label());
                }
                return meters;
            });
        }
        ModelMeters meters = perProtocol[protocol.ordinal()];
        meters.duration.record(nanos, TimeUnit.NANOSECONDS);
        if (error == null) {
            meters.success.increment();
        } else {
            meters.errors.get(error).increment();
            error(protocol, error);
        }
    }

    /**
     * Records a failure that belongs to no known model (unknown name, malformed request), in
     * {@code inference_errors_total} only.
     *
     * @param protocol the protocol the request came in by
     * @param error    why it failed; not null
     */
    public void error(Protocol protocol, ErrorCode error) {
        errorsByProtocol.computeIfAbsent(protocol, p -> {
            Map<ErrorCode, Counter> counters = new EnumMap<>(ErrorCode.class);
            for (ErrorCode code : ErrorCode.values()) {
                counters.put(code, Counter.builder("inference.errors")
                        .description("Failed inference requests by protocol and error code")
                        .tag("protocol", p.label()).tag("code", label(code))
                        .register(registry));
            }
            return counters;
        }).get(error).increment();
    }

    static String label(ErrorCode code) {
        return code.name().toLowerCase(Locale.ROOT);
    }

    /** The meters of one model and protocol, created together on first use. */
    private static final class ModelMeters {

        final Timer duration;
        final Counter success;
        final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

        ModelMeters(MeterRegistry registry, String model, String protocol) {
            duration = Timer.builder("inference.request.duration")
                    .description("Time from a complete request body to the response, per model and protocol")
                    .tag("model", model).tag("protocol", protocol)
                    .serviceLevelObjectives(BUCKETS)
                    .minimumExpectedValue(BUCKETS[0])
                    .maximumExpectedValue(BUCKETS[BUCKETS.length - 1])
                    .register(registry);
            success = requests(registry, model, protocol, "success");
            for (ErrorCode code : ErrorCode.values()) {
                errors.put(code, requests(registry, model, protocol, label(code)));
            }
        }

        private static Counter requests(MeterRegistry registry, String model, String protocol, String status) {
            return Counter.builder("inference.requests")
                    .description("Inference requests by model, protocol and outcome")
                    .tag("model", model).tag("protocol", protocol).tag("status", status)
                    .register(registry);
        }
    }
}
