package io.kubeserve.grpc;

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
 * Request metrics of the gRPC adapter, in the series the HTTP adapter publishes, with
 * {@code protocol="grpc"}: {@code inference_requests_total{model,protocol,status}},
 * {@code inference_request_duration_seconds{model,protocol}} (same buckets, 0.25 ms to 10 s) and
 * {@code inference_errors_total{protocol,code}}. Names, tags, descriptions and buckets match the
 * HTTP adapter's so both adapters can publish to one registry. Only models the registry knows get
 * series. Thread-safe; meters are built once per model.
 */
final class GrpcMetrics {

    static final String PROTOCOL = "grpc";

    private static final Duration[] BUCKETS = {
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
    };

    private final MeterRegistry registry;
    private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

    GrpcMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, Counter.builder("inference.errors")
                    .description("Failed inference requests by protocol and error code")
                    .tag("protocol", PROTOCOL).tag("code", label(code))
                    .register(registry));
        }
    }

    /** A request to a known model: {@code error} null for a success. */
    void record(String model, ErrorCode error, long nanos) {
        ModelMeters meters = byModel.computeIfAbsent(model, name -> new ModelMeters(registry, name));
        meters.duration.record(nanos, TimeUnit.NANOSECONDS);
        if (error == null) {
            meters.success.increment();
        } else {
            meters.errors.get(error).increment();
            error(error);
        }
    }

    /** A failure that belongs to no known model. */
    void error(ErrorCode error) {
        errors.get(error).increment();
    }

    private static String label(ErrorCode code) {
        return code.name().toLowerCase(Locale.ROOT);
    }

    /** The meters of one model. */
    private static final class ModelMeters {

        final Timer duration;
        final Counter success;
        final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

        ModelMeters(MeterRegistry registry, String model) {
            duration = Timer.builder("inference.request.duration")
                    .description("Time from a complete request body to the response, per model and protocol")
                    .tag("model", model).tag("protocol", PROTOCOL)
                    .serviceLevelObjectives(BUCKETS)
                    .minimumExpectedValue(BUCKETS[0])
                    .maximumExpectedValue(BUCKETS[BUCKETS.length - 1])
                    .register(registry);
            success = requests(registry, model, "success");
            for (ErrorCode code : ErrorCode.values()) {
                errors.put(code, requests(registry, model, label(code)));
            }
        }

        private static Counter requests(MeterRegistry registry, String model, String status) {
            return Counter.builder("inference.requests")
                    .description("Inference requests by model, protocol and outcome")
                    .tag("model", model).tag("protocol", PROTOCOL).tag("status", status)
                    .register(registry);
        }
    }
}
