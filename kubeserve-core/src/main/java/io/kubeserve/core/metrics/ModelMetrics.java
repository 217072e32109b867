package io.kubeserve.core.metrics;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelState;
import io.kubeserve.core.registry.ModelStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Model state as gauges, one series per model version the registry knows:
 * {@code model_loaded{model,version}} is 1 while the version is ready, else 0;
 * {@code model_version_info{model,version,platform}} is always 1 and carries the platform;
 * {@code model_load_duration_seconds{model,version}} is the time loading and warm-up took.
 *
 * <p>Gauges read the registry when scraped, so they follow state changes without bookkeeping.
 */
public final class ModelMetrics implements MeterBinder {

    private final ModelRegistry registry;

    public ModelMetrics(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        for (ModelStatus status : registry.statuses()) {
            String name = status.name();
            String version = status.version();
            Gauge.builder("model.loaded", registry, r -> state(r, name, version) == ModelState.READY ? 1 : 0)
                    .description("1 while the model version is ready to serve, else 0")
                    .tag("model", name).tag("version", version)
                    .register(meters);
            String platform = status.metadata() == null ? "unknown" : status.metadata().platform();
            Gauge.builder("model.version.info", () -> 1)
                    .description("Loaded model versions and their platform")
                    .tag("model", name).tag("version", version).tag("platform", platform)
                    .register(meters);
            if (status.loadMillis() >= 0) {
                Gauge.builder("model.load.duration", () -> status.loadMillis() / 1000.0)
                        .description("Time from start of loading to ready, warm-up included")
                        .baseUnit("seconds")
                        .tag("model", name).tag("version", version)
                        .register(meters);
            }
        }
    }

    private static ModelState state(ModelRegistry registry, String name, String version) {
        for (ModelStatus status : registry.statuses(name)) {
            if (Objects.equals(status.version(), version)) {
                return status.state();
            }
        }
        return ModelState.UNLOADED;
    }
}
