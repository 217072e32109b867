package io.kubeserve.grpc;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.grpc.v2.InferStatistics;
import io.kubeserve.grpc.v2.ModelStatistics;
import io.kubeserve.grpc.v2.ModelStatisticsResponse;
import io.kubeserve.grpc.v2.StatisticDuration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Triton's {@code ModelStatistics}, read from the meters the server already keeps in its
 * {@link MeterRegistry}: per ready model version, {@code inference_count} (rows) and
 * {@code execution_count} from the scheduler meters of core's {@code ModelMetrics}, {@code queue}
 * and {@code compute_infer} from its queue and compute timers; {@code success} and {@code fail}
 * count the model's requests over every protocol and version (the request meters of both adapters),
 * without a duration since those are not kept by outcome. What the meters do not hold (input and
 * output conversion times, cache, batch and memory figures, the time of the last inference) is left
 * zero. With no {@code ModelMetrics} bound to the registry the scheduler figures are zero too.
 */
final class Statistics {

    private final ModelRegistry registry;
    private final MeterRegistry meters;

    Statistics(ModelRegistry registry, MeterRegistry meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * Statistics of every ready version of {@code name} ({@code version} empty: all of them), or
     * of every model when {@code name} is empty.
     *
     * @throws io.kubeserve.core.error.KubeServeException {@code MODEL_NOT_FOUND} for an unknown model or
     *         version, {@code MODEL_NOT_READY} for a named version that is not ready
     */
    ModelStatisticsResponse of(String name, String version) {
        if (!name.isEmpty() && !version.isEmpty()) {
            registry.model(name, version); // an unknown version is NOT_FOUND, as for ModelMetadata
        }
        List<ModelStatus> statuses = name.isEmpty() ? registry.statuses() : registry.statuses(name);
        ModelStatisticsResponse.Builder out = ModelStatisticsResponse.newBuilder();
        for (ModelStatus status : statuses) {
            if (!status.ready() || (!version.isEmpty() && !version.equals(status.version()))) {
                continue;
            }
            out.addModelStats(stats(status.name(), status.version()));
        }
        return out.build();
    }

    private ModelStatistics stats(String model, String version) {
        long success = 0;
        long fail = 0;
        for (Counter counter : meters.find("inference.requests").tag("model", model).counters()) {
            long count = (long) counter.count();
            if ("success".equals(counter.getId().getTag("status"))) {
                success += count;
            } else {
                fail += count;
            }
        }
        InferStatistics inference = InferStatistics.newBuilder()
                .setSuccess(StatisticDuration.newBuilder().setCount(success))
                .setFail(StatisticDuration.newBuilder().setCount(fail))
                .setQueue(duration(timer("model.queue.duration", model, version)))
                .setComputeInfer(duration(timer("model.compute.duration", model, version)))
                .build();
        return ModelStatistics.newBuilder()
                .setName(model)
                .setVersion(version)
                .setInferenceCount(count("model.inferences", model, version))
                .setExecutionCount(count("model.executions", model, version))
                .setInferenceStats(inference)
                .build();
    }

    private Timer timer(String name, String model, String version) {
        return meters.find(name).tag("model", model).tag("version", version).timer();
    }

    private long count(String name, String model, String version) {
        Counter counter = meters.find(name).tag("model", model).tag("version", version).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    private static StatisticDuration duration(Timer timer) {
        if (timer == null) {
            return StatisticDuration.getDefaultInstance();
        }
        return StatisticDuration.newBuilder().setCount(timer.count())
                .setNs((long) timer.totalTime(TimeUnit.NANOSECONDS)).build();
    }
}
