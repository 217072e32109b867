package io.kubeserve.core.metrics;

import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelState;
import io.kubeserve.core.registry.ModelStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model state as meters, one series per model version the registry has known:
 * <ul>
 *   <li>{@code model_loaded{model,version}}: 1 while the version is ready, else 0;</li>
 *   <li>{@code model_version_info{model,version,platform}}: 1, carrying the platform;</li>
 *   <li>{@code model_load_duration_seconds{model,version}}: loading plus warm-up time;</li>
 *   <li>{@code model_load_failures_total{model}}: versions that failed to load.</li>
 * </ul>
 * Series appear as versions are loaded (the registry tells its listeners), and gauges read the
 * registry when scraped, so an unloaded version drops to 0 without bookkeeping here.
 */
public final class ModelMetrics implements MeterBinder {

    private final ModelRegistry registry;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    public ModelMetrics(ModelRegistry registry) {
        this.registry = registry;
    }

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
        if (version.isEmpty() || status.state() != ModelState.READY || !registered.add(name + "\n" + version)) {
            return;
        }
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
}
