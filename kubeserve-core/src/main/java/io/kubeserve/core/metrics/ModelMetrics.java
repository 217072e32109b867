package io.kubeserve.core.metrics;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelState;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.Scheduler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * Model state and scheduling as meters, one series per model version the registry has known.
 *
 * <p>State:
 * <ul>
 *   <li>{@code model_loaded{model,version}}: 1 while the version is ready, else 0;</li>
 *   <li>{@code model_version_info{model,version,platform}}: 1, carrying the platform;</li>
 *   <li>{@code model_load_duration_seconds{model,version}}: loading plus warm-up time;</li>
 *   <li>{@code model_load_failures_total{model}}: versions that failed to load.</li>
 * </ul>
 * Scheduling, for versions with a {@link Scheduler}, in Triton's vocabulary: a request is one call
 * as a client sent it; an execution is one engine call, which dynamic batching may make for several
 * requests; inferences are rows of the batch dimension, so a request of 3 rows is 3 inferences
 * (without dynamic batching every request counts as one, as in Triton):
 * <ul>
 *   <li>{@code model_queue_duration_seconds{model,version}}: histogram of each request's wait from
 *       arrival to the start of its execution;</li>
 *   <li>{@code model_compute_duration_seconds{model,version}}: histogram of each execution's time,
 *       stacking and splitting of a batch included;</li>
 *   <li>{@code model_batch_size{model,version}}: histogram of rows per execution (buckets 1, 2, 4,
 *       ..., 1024);</li>
 *   <li>{@code model_executions_total}, {@code model_inferences_total} (rows) and
 *       {@code model_requests_executed_total}: counters of what executions ran;</li>
 *   <li>{@code model_queue_depth} and {@code model_inflight_requests} (waiting or running): gauges
 *       read from the scheduler when scraped.</li>
 * </ul>
 * Duration histograms have buckets from 50 µs to 10 s. The requests of an execution that fails (the
 * engine threw) are counted in the queue histogram only.
 *
 * <p>Series appear as versions become ready (the registry tells its listeners) and gauges read the
 * registry when scraped, so an unloaded version drops to 0 without bookkeeping here and nothing here
 * keeps a closed model alive. The meters of a version are built once and handed to its scheduler as
 * its {@link Scheduler.Observer}; a reload of the same version gets the same meters. A scheduler has
 * one observer, so bind one {@code ModelMetrics} per registry to one {@link MeterRegistry} (a
 * composite registry to publish to several).
 *
 * <p>Thread-safe: listeners and scrapes may run on any thread. It holds a reference to the
 * registry but owns nothing; the registry and the {@link MeterRegistry} stay the caller's to close.
 */
public final class ModelMetrics implements MeterBinder {

    static final Duration[] DURATION_BUCKETS = {
        Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10),
    };
    static final double[] BATCH_SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final ModelRegistry registry;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Map<String, SchedulerMeters> schedulerMeters = new ConcurrentHashMap<>();

    /**
     * Meters over a registry; nothing is registered until {@link #bindTo}.
     *
     * @param registry the registry whose versions to follow; not closed by this class
     */
    public ModelMetrics(ModelRegistry registry) {
        this.registry = registry;
    }

    /**
     * Registers the meters of every version known now, and listens to the registry for versions
     * that become ready or fail later. Call once.
     *
     * @param meters where the series go (their names in the dotted Micrometer form, e.g.
     *               {@code model.queue.duration}, which Prometheus renders as listed above)
     */
    @Override
    public void bindTo(MeterRegistry meters) {
        registry.addListener(status -> record(meters, status));
        for (ModelStatus status : registry.statuses()) {
            record(meters, status);
        }
    }

    private void record(MeterRegistry meters, ModelStatus status) {
        String name = status.name();
        String version = status.version();
        if (status.state() == ModelState.FAILED && !version.isEmpty()) {
            Counter.builder("model.load.failures")
                    .description("Model versions that failed to load")
                    .tag("model", name)
                    .register(meters)
                    .increment();
        }
        if (version.isEmpty() || status.state() != ModelState.READY) {
            return;
        }
        String key = name + "\n" + version;
        if (registered.add(key)) {
            registerState(meters, status);
        }
        // every ready instance of the version, a reload included, reports to the version's meters
        scheduler(registry, name, version).ifPresent(scheduler -> scheduler.observe(
                schedulerMeters.computeIfAbsent(key, k -> new SchedulerMeters(meters, registry, name, version))));
    }

    private void registerState(MeterRegistry meters, ModelStatus status) {
        String name = status.name();
        String version = status.version();
        Gauge.builder("model.loaded", registry, r -> state(r, name, version) == ModelState.READY ? 1 : 0)
                .description("1 while the model version is ready to serve, else 0")
                .tag("model", name).tag("version", version)
                .register(meters);
        String platform = status.metadata() == null ? "unknown" : status.metadata().platform();
        Gauge.builder("model.version.info", () -> 1)
                .description("Model versions loaded and their platform")
                .tag("model", name).tag("version", version).tag("platform", platform)
                .register(meters);
        long loadMillis = status.loadMillis();
        Gauge.builder("model.load.duration", () -> loadMillis / 1000.0)
                .description("Time from start of loading to ready, warm-up included")
                .baseUnit("seconds")
                .tag("model", name).tag("version", version)
                .register(meters);
    }

    private static ModelState state(ModelRegistry registry, String name, String version) {
        try {
            for (ModelStatus status : registry.statuses(name)) {
                if (Objects.equals(status.version(), version)) {
                    return status.state();
                }
            }
        } catch (KubeServeException e) {
            // the model is gone altogether
        }
        return ModelState.UNLOADED;
    }

    /** The scheduler of the ready version, looked up each time so that none is kept past its unload. */
    private static Optional<Scheduler> scheduler(ModelRegistry registry, String name, String version) {
        try {
            return registry.model(name, version).scheduler();
        } catch (KubeServeException e) {
            return Optional.empty();
        }
    }

    private static int read(ModelRegistry registry, String name, String version, ToIntFunction<Scheduler> getter) {
        return scheduler(registry, name, version).map(getter::applyAsInt).orElse(0);
    }

    /**
     * The scheduling meters of one model version, built once. The scheduler calls it on its execution
     * threads, so each call only records into meters it already holds: no lookup, no lock.
     */
    private static final class SchedulerMeters implements Scheduler.Observer {

        private final Timer queue;
        private final Timer compute;
        private final DistributionSummary batchSize;
        private final Counter executions;
        private final Counter inferences;
        private final Counter requests;

        SchedulerMeters(MeterRegistry meters, ModelRegistry registry, String name, String version) {
            queue = duration("model.queue.duration", "Time a request waited in the model's queue for an execution")
                    .tag("model", name).tag("version", version).register(meters);
            compute = duration("model.compute.duration",
                    "Time of one engine execution, batch stacking and splitting included")
                    .tag("model", name).tag("version", version).register(meters);
            batchSize = DistributionSummary.builder("model.batch.size")
                    .description("Rows (inferences) per engine execution")
                    .tag("model", name).tag("version", version)
                    .serviceLevelObjectives(BATCH_SIZE_BUCKETS)
                    .minimumExpectedValue(BATCH_SIZE_BUCKETS[0])
                    .maximumExpectedValue(BATCH_SIZE_BUCKETS[BATCH_SIZE_BUCKETS.length - 1])
                    .register(meters);
            executions = Counter.builder("model.executions")
                    .description("Engine executions; with dynamic batching one runs several requests")
                    .tag("model", name).tag("version", version).register(meters);
            inferences = Counter.builder("model.inferences")
                    .description("Inferences run by executions, counted in rows as Triton does")
                    .tag("model", name).tag("version", version).register(meters);
            requests = Counter.builder("model.requests.executed")
                    .description("Requests answered by an engine execution")
                    .tag("model", name).tag("version", version).register(meters);
            Gauge.builder("model.queue.depth", registry, r -> read(r, name, version, Scheduler::queueDepth))
                    .description("Requests waiting in the model version's queue")
                    .tag("model", name).tag("version", version).register(meters);
            Gauge.builder("model.inflight.requests", registry, r -> read(r, name, version, Scheduler::inFlight))
                    .description("Requests accepted by the model version and not answered yet: queued or executing")
                    .tag("model", name).tag("version", version).register(meters);
        }

        private static Timer.Builder duration(String name, String description) {
            return Timer.builder(name)
                    .description(description)
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .minimumExpectedValue(DURATION_BUCKETS[0])
                    .maximumExpectedValue(DURATION_BUCKETS[DURATION_BUCKETS.length - 1]);
        }

        @Override
        public void dequeued(long queueNanos) {
            queue.record(queueNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void executed(int requestCount, long rows, long computeNanos) {
            compute.record(computeNanos, TimeUnit.NANOSECONDS);
            batchSize.record(rows);
            executions.increment();
            inferences.increment(rows);
            requests.increment(requestCount);
        }
    }
}
