package io.kubeserve.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The batcher's contract, on a deterministic engine that records every call it gets. */
@org.junit.jupiter.api.Timeout(30)
class DynamicBatcherTest {

    /** out[r] = sum of row r, per row; plus a scalar output with no batch dimension. */
    private static final class RowSums implements EngineRunner {
        final AtomicInteger calls = new AtomicInteger();
        final List<Long> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch gate;

        @Override
        public Map<String, Tensor> run(Tensor[] inputs) {
            CountDownLatch wait = gate;
            if (wait != null) {
                try {
                    wait.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            calls.incrementAndGet();
            Tensor x = inputs[0];
            int rows = (int) x.dim(0);
            int columns = (int) x.dim(1);
            batchSizes.add((long) rows);
            float[] sums = new float[rows];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    sums[r] += x.getFloat(r * columns + c);
                }
            }
            return Map.of("sum", Tensor.ofFloats(new long[] {rows}, sums),
                    "version", Tensor.ofLongs(new long[] {1}, 7));
        }
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnRows() throws Exception {
        RowSums engine = new RowSums();
        try (DynamicBatcher batcher = new DynamicBatcher(engine, "sums", 1, 32, 20_000, List.of(), 1024, 0)) {
            ExecutorService clients = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    long seed = t;
                    futures.add(clients.submit(() -> {
                        Random random = new Random(seed);
                        for (int i = 0; i < 30; i++) {
                            int rows = 1 + random.nextInt(6);
                            float[] values = new float[rows * 3];
                            for (int v = 0; v < values.length; v++) {
                                values[v] = random.nextInt(100);
                            }
                            Map<String, Tensor> out = batcher.run(new Tensor[] {Tensor.ofFloats(new long[] {rows, 3}, values)});
                            Tensor sums = out.get("sum");
                            assertThat(sums.shape()).containsExactly(rows);
                            for (int r = 0; r < rows; r++) {
                                assertThat(sums.getFloat(r)).isEqualTo(values[r * 3] + values[r * 3 + 1] + values[r * 3 + 2]);
                            }
                            assertThat(out.get("version").getLong(0)).isEqualTo(7);
                        }
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get(60, TimeUnit.SECONDS);
                }
            } finally {
                clients.shutdownNow();
            }
        }
        assertThat(engine.calls.get()).isLessThan(16 * 30);
        assertThat(engine.batchSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(32));
        assertThat(engine.batchSizes.stream().mapToLong(Long::longValue).max().orElse(0)).isGreaterThan(6);
    }

    @Test
    void aFullQueueFailsFastAndTheBatcherRecovers() throws Exception {
        RowSums engine = new RowSums();
        engine.gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = new DynamicBatcher(engine, "sums", 1, 1, 0, List.of(), 2, 0)) {
            ExecutorService clients = Executors.newFixedThreadPool(3);
            try {
                Future<?> running = clients.submit(() -> batcher.run(row(1f)));
                waitUntil(() -> batcher.queued() == 0);
                TimeUnit.MILLISECONDS.sleep(50);
                Future<?> queued1 = clients.submit(() -> batcher.run(row(2f)));
                Future<?> queued2 = clients.submit(() -> batcher.run(row(3f)));
                waitUntil(() -> batcher.queued() == 2);

                assertThatThrownBy(() -> batcher.run(row(4f)))
                        .isInstanceOf(KubeServeException.class)
                        .hasMessageContaining("overloaded")
                        .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.OVERLOADED));

                engine.gate.countDown();
                running.get(10, TimeUnit.SECONDS);
                queued1.get(10, TimeUnit.SECONDS);
                queued2.get(10, TimeUnit.SECONDS);
                assertThat(batcher.run(row(5f)).get("sum").getFloat(0)).isEqualTo(5f);
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void aRequestThatWaitsTooLongTimesOutWithAClearError() {
        RowSums engine = new RowSums();
        engine.gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = new DynamicBatcher(engine, "sums", 1, 4, 0, List.of(), 8, 100)) {
            assertThatThrownBy(() -> batcher.run(row(1f)))
                    .hasMessageContaining("did not answer within 100 ms")
                    .satisfies(e -> assertThat(((KubeServeException) e).code()).isEqualTo(ErrorCode.TIMEOUT));
            engine.gate.countDown();
        }
    }

    @Test
    void requestsOfDifferentWidthsAreNotStackedTogether() throws Exception {
        RowSums engine = new RowSums();
        try (DynamicBatcher batcher = new DynamicBatcher(engine, "sums", 1, 64, 5_000, List.of(), 64, 0)) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                List<Future<Map<String, Tensor>>> futures = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int width = i % 2 == 0 ? 2 : 3;
                    futures.add(clients.submit(() -> batcher.run(new Tensor[] {
                        Tensor.ofFloats(new long[] {1, width}, width == 2 ? new float[] {1, 1} : new float[] {1, 1, 1})})));
                }
                for (int i = 0; i < 8; i++) {
                    assertThat(futures.get(i).get(10, TimeUnit.SECONDS).get("sum").getFloat(0)).isEqualTo(i % 2 == 0 ? 2f : 3f);
                }
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void closingFailsWhatIsStillQueued() throws Exception {
        RowSums engine = new RowSums();
        engine.gate = new CountDownLatch(1);
        DynamicBatcher batcher = new DynamicBatcher(engine, "sums", 1, 1, 0, List.of(), 8, 0);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            clients.submit(() -> batcher.run(row(1f)));
            waitUntil(() -> batcher.queued() == 0);
            TimeUnit.MILLISECONDS.sleep(50);
            Future<Map<String, Tensor>> queued = clients.submit(() -> batcher.run(row(2f)));
            waitUntil(() -> batcher.queued() == 1);
            engine.gate.countDown();
            batcher.close();
            try {
                queued.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).hasMessageContaining("unloaded");
            }
            assertThatThrownBy(() -> batcher.run(row(3f))).hasMessageContaining("being unloaded");
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void rowsAndConcatAreInverse() {
        Tensor a = Tensor.ofStrings(new long[] {2, 1}, "a", "b");
        Tensor b = Tensor.ofStrings(new long[] {1, 1}, "c");
        Tensor both = TensorBatches.concat(List.of(a, b));
        assertThat(both.toStringArray()).containsExactly("a", "b", "c");
        assertThat(TensorBatches.rows(both, 2, 3)).isEqualTo(b);
        Tensor x = Tensor.ofInts(new long[] {3, 2}, 1, 2, 3, 4, 5, 6);
        assertThat(TensorBatches.rows(x, 1, 3).toLongArray()).containsExactly(3, 4, 5, 6);
        assertThat(TensorBatches.concat(List.of(TensorBatches.rows(x, 0, 1), TensorBatches.rows(x, 1, 3)))).isEqualTo(x);
        assertThat(TensorBatches.stackable(x, Tensor.ofInts(new long[] {1, 3}, 1, 2, 3))).isFalse();
        assertThat(TensorBatches.stackable(x, Tensor.of(DataType.INT32, new long[] {1, 2},
                Tensor.allocate(DataType.INT32, 2)))).isTrue();
    }

    private static Tensor[] row(float value) {
        return new Tensor[] {Tensor.ofFloats(new long[] {1, 1}, value)};
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 10 s");
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }
}
