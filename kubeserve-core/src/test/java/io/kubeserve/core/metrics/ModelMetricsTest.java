package io.kubeserve.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.TestModels;
import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.engine.LoadedModel;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduling meters of a model loaded through the registry, on an engine the test can hold, so that
 * which requests share an execution is decided by the test, not by timing. No duration is asserted,
 * only counts.
 */
@Timeout(120)
class ModelMetricsTest {

    @TempDir
    Path repo;

    private final SumsLoader loader = new SumsLoader();
    private final MeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void installModel() {
        TestModels.write(repo.resolve("sums/config.json"), """
                {"max_batch_size": 8, "dynamic_batching": {"max_queue_delay_microseconds": 0},
                 "instance_group": [{"count": 1}],
                 "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": [2]}]}""");
        TestModels.write(repo.resolve("sums/1/model.sums"), "first");
    }

    @Test
    void queueExecutionsAndBatchesAreCountedPerVersion() {
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).loaders(List.of(loader)).build()) {
            new ModelMetrics(kubeServe.registry()).bindTo(meters);
            Sums engine = loader.engines.get(0);

            // one request holds the only instance; three more queue behind it and then run as one batch
            CountDownLatch gate = engine.hold();
            CompletableFuture<InferenceResponse> first = send(kubeServe, 1, 1);
            await().until(() -> engine.held.get() == 1);
            List<CompletableFuture<InferenceResponse>> queued = List.of(send(kubeServe, 2, 10), send(kubeServe, 3, 20),
                    send(kubeServe, 1, 30));
            assertThat(gauge("model.queue.depth")).isEqualTo(3);
            assertThat(gauge("model.inflight.requests")).isEqualTo(4);

            gate.countDown();
            assertThat(first.join().output("sum").getFloat(0)).isEqualTo(3f);
            assertThat(queued.get(1).join().output("sum").getFloat(2)).isEqualTo(2 * 22 + 1);
            queued.forEach(CompletableFuture::join);
            assertThat(engine.batchSizes).containsExactly(1L, 6L);

            assertThat(counter("model.executions")).isEqualTo(2);
            assertThat(counter("model.requests.executed")).isEqualTo(4);
            assertThat(counter("model.inferences")).isEqualTo(7);
            assertThat(timer("model.queue.duration").count()).isEqualTo(4);
            assertThat(timer("model.compute.duration").count()).isEqualTo(2);
            DistributionSummary batchSize = meters.get("model.batch.size").tags("model", "sums", "version", "1").summary();
            assertThat(batchSize.count()).isEqualTo(2);
            assertThat(batchSize.totalAmount()).isEqualTo(7);
            assertThat(batchSize.max()).isEqualTo(6);
            assertThat(cumulative(batchSize.takeSnapshot().histogramCounts())).containsEntry(1.0, 1.0)
                    .containsEntry(4.0, 1.0).containsEntry(8.0, 2.0).containsEntry(1024.0, 2.0).hasSize(11);
            assertThat(timer("model.queue.duration").takeSnapshot().histogramCounts()).hasSize(17);
            await().until(() -> gauge("model.inflight.requests") == 0);
            assertThat(gauge("model.queue.depth")).isZero();
        }
    }

    @Test
    void aReloadedVersionKeepsItsSeriesAndAnUnloadedOneReadsZero() {
        try (KubeServe kubeServe = KubeServe.builder().repository(repo).loaders(List.of(loader)).build()) {
            new ModelMetrics(kubeServe.registry()).bindTo(meters);
            send(kubeServe, 1, 0).join();
            assertThat(counter("model.executions")).isEqualTo(1);

            // new files under the same version number: a new model and scheduler replace the old ones
            TestModels.write(repo.resolve("sums/1/model.sums"), "second, longer");
            kubeServe.registry().refresh();
            assertThat(loader.engines).hasSize(2);
            Sums reloaded = loader.engines.get(1);
            CountDownLatch gate = reloaded.hold();
            CompletableFuture<InferenceResponse> held = send(kubeServe, 2, 0);
            await().until(() -> reloaded.held.get() == 1);
            assertThat(gauge("model.inflight.requests")).isEqualTo(1);
            gate.countDown();
            held.join();
            assertThat(counter("model.executions")).isEqualTo(2);
            assertThat(counter("model.inferences")).isEqualTo(3);
            assertThat(meters.find("model.executions").counters()).hasSize(1);

            kubeServe.registry().unload("sums");
            assertThat(gauge("model.loaded")).isZero();
            assertThat(gauge("model.queue.depth")).isZero();
            assertThat(gauge("model.inflight.requests")).isZero();
            assertThat(counter("model.executions")).isEqualTo(2);
        }
    }

    /** Sends {@code rows} rows {@code [start + r, start + r + 1]}, through the registry's default version. */
    private static CompletableFuture<InferenceResponse> send(KubeServe kubeServe, int rows, int start) {
        float[] values = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            values[2 * r] = start + r;
            values[2 * r + 1] = start + r + 1;
        }
        return kubeServe.predictAsync("sums", InferenceRequest.of("x", Tensor.ofFloats(new long[] {rows, 2}, values)))
                .toCompletableFuture();
    }

    private double gauge(String name) {
        return meters.get(name).tags("model", "sums", "version", "1").gauge().value();
    }

    private double counter(String name) {
        return meters.get(name).tags("model", "sums", "version", "1").counter().count();
    }

    private Timer timer(String name) {
        return meters.get(name).tags("model", "sums", "version", "1").timer();
    }

    private static Map<Double, Double> cumulative(CountAtBucket[] buckets) {
        Map<Double, Double> counts = new java.util.TreeMap<>();
        for (CountAtBucket bucket : buckets) {
            counts.put(bucket.bucket(), bucket.count());
        }
        return counts;
    }

    /** Loads {@code model.sums} files as {@link Sums} engines behind the real scheduler. */
    private static final class SumsLoader implements ModelLoader {
        final List<Sums> engines = new CopyOnWriteArrayList<>();

        @Override
        public String engine() {
            return "sums";
        }

        @Override
        public boolean supports(ModelSource source) {
            return source.fileName().endsWith(".sums");
        }

        @Override
        public Model load(ModelSource source) {
            ModelMetadata metadata = new ModelMetadata(source.name(), source.version(), "test_sums",
                    source.config().inputs(), List.of(new TensorSpec("sum", DataType.FP32, new long[] {-1})), List.of());
            Sums engine = new Sums();
            engines.add(engine);
            EnginePredictor predictor = EnginePredictor.scheduled(metadata, engine, source.config());
            return new LoadedModel(metadata, predictor, predictor::close);
        }
    }

    /** sum[r] = x[r, 0] + x[r, 1]; once {@link #hold} is called, each call waits for the gate. */
    private static final class Sums implements EngineRunner {
        final AtomicInteger held = new AtomicInteger();
        final List<Long> batchSizes = new CopyOnWriteArrayList<>();
        private volatile CountDownLatch gate;

        /** Holds the calls from now on until the returned latch is opened; warm-up calls came before. */
        CountDownLatch hold() {
            gate = new CountDownLatch(1);
            return gate;
        }

        @Override
        public Map<String, Tensor> run(Tensor[] inputs) {
            CountDownLatch waitFor = gate;
            if (waitFor != null) {
                held.incrementAndGet();
                try {
                    waitFor.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                batchSizes.add(inputs[0].dim(0));
            }
            Tensor x = inputs[0];
            int rows = (int) x.dim(0);
            float[] sums = new float[rows];
            for (int r = 0; r < rows; r++) {
                sums[r] = x.getFloat(2 * r) + x.getFloat(2 * r + 1);
            }
            return Map.of("sum", Tensor.ofFloats(new long[] {rows}, sums));
        }
    }
}
