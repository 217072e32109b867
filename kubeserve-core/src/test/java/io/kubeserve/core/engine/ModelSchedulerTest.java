package io.kubeserve.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.spi.Scheduler;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's contract, on a deterministic engine that records every call it gets. Nothing
 * here asserts a duration: waits are for states (Awaitility), never for time to pass.
 */
class ModelSchedulerTest {

    /** out[r] = sum of row r, plus a scalar output with no batch dimension; can be held on a latch. */
    private static final class RowSums implements EngineRunner {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger entered = new AtomicInteger();
        final List<Long> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
        final Set<Float> seen = ConcurrentHashMap.newKeySet();
        final CountDownLatch gate;

        RowSums(boolean blocked) {
            gate = new CountDownLatch(blocked ? 1 : 0);
        }

        @Override
        public Map<String, Tensor> run(Tensor[] inputs) {
            entered.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
                seen.add(x.getFloat(r * columns));
            }
            return Map.of("sum", Tensor.ofFloats(new long[] {rows}, sums),
                    "version", Tensor.ofLongs(new long[] {1}, 7));
        }
    }

    private static ModelScheduler.Settings batched(int maxBatch, long delayMicros, int queue) {
        return new ModelScheduler.Settings(1, maxBatch, delayMicros, List.of(), queue, 0);
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnRows() {
        RowSums engine = new RowSums(false);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", batched(32, 20_000, 1024))) {
            Random random = new Random(7);
            List<float[]> sent = new ArrayList<>();
            List<CompletableFuture<Map<String, Tensor>>> answers = new ArrayList<>();
            for (int i = 0; i < 480; i++) {
                int rows = 1 + random.nextInt(6);
                float[] values = new float[rows * 3];
                for (int v = 0; v < values.length; v++) {
                    values[v] = random.nextInt(100);
                }
                sent.add(values);
                answers.add(scheduler.submit(new Tensor[] {Tensor.ofFloats(new long[] {rows, 3}, values)}));
            }
            for (int i = 0; i < answers.size(); i++) {
                float[] values = sent.get(i);
                Map<String, Tensor> out = answers.get(i).join();
                Tensor sums = out.get("sum");
                assertThat(sums.shape()).containsExactly(values.length / 3);
                for (int r = 0; r < values.length / 3; r++) {
                    assertThat(sums.getFloat(r)).isEqualTo(values[r * 3] + values[r * 3 + 1] + values[r * 3 + 2]);
                }
                assertThat(out.get("version").getLong(0)).isEqualTo(7);
            }
        }
        assertThat(engine.calls.get()).isLessThan(480);
        assertThat(engine.batchSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(32));
        assertThat(engine.batchSizes.stream().mapToLong(Long::longValue).max().orElse(0)).isGreaterThan(6);
    }

    @Test
    void aFullQueueRefusesAtOnceAndTheQueuedRequestsCompleteOnceTheEngineIsFree() {
        RowSums engine = new RowSums(true);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", ModelScheduler.Settings.unbatched(1, 2))) {
            CompletableFuture<Map<String, Tensor>> running = scheduler.submit(row(1f));
            await().until(() -> engine.entered.get() == 1);
            CompletableFuture<Map<String, Tensor>> queued1 = scheduler.submit(row(2f));
            CompletableFuture<Map<String, Tensor>> queued2 = scheduler.submit(row(3f));
            assertThat(scheduler.queueDepth()).isEqualTo(2);
            assertThat(scheduler.inFlight()).isEqualTo(3);

            CompletableFuture<Map<String, Tensor>> refused = scheduler.submit(row(4f));
            assertThat(refused).isCompletedExceptionally();
            assertThat(failure(refused).code()).isEqualTo(ErrorCode.OVERLOADED);
            assertThat(failure(refused)).hasMessageContaining("overloaded");

            engine.gate.countDown();
            assertThat(running.join().get("sum").getFloat(0)).isEqualTo(1f);
            assertThat(queued1.join().get("sum").getFloat(0)).isEqualTo(2f);
            assertThat(queued2.join().get("sum").getFloat(0)).isEqualTo(3f);
            assertThat(scheduler.submit(row(5f)).join().get("sum").getFloat(0)).isEqualTo(5f);
            assertThat(engine.seen).containsExactlyInAnyOrder(1f, 2f, 3f, 5f);
        }
    }

    @Test
    void aDeadlineFailsARequestStillQueuedAndTheEngineNeverSeesIt() {
        RowSums engine = new RowSums(true);
        ModelScheduler.Settings settings = new ModelScheduler.Settings(1, 0, 0, List.of(), 8, 200);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", settings)) {
            CompletableFuture<Map<String, Tensor>> running = scheduler.submit(row(1f));
            await().until(() -> engine.entered.get() == 1);
            CompletableFuture<Map<String, Tensor>> queued = scheduler.submit(row(2f));

            // no thread waits for it: the timer answers while the engine is still held
            await().until(queued::isDone);
            assertThat(failure(queued).code()).isEqualTo(ErrorCode.TIMEOUT);
            assertThat(failure(queued)).hasMessageContaining("did not answer within 200 ms");
            assertThat(scheduler.queueDepth()).isZero();
            await().until(running::isDone);
            assertThat(failure(running).code()).isEqualTo(ErrorCode.TIMEOUT);

            engine.gate.countDown();
            assertThat(scheduler.submit(row(3f)).join().get("sum").getFloat(0)).isEqualTo(3f);
            assertThat(engine.seen).containsExactlyInAnyOrder(1f, 3f);
        }
    }

    @Test
    void aCallersTimeoutDropsItsRequestFromTheQueueAndTheModelsDeadlineStillAppliesToOthers() {
        RowSums engine = new RowSums(true);
        // the model's own deadline: 5 s; the callers' timeouts are shorter or longer
        ModelScheduler.Settings settings = new ModelScheduler.Settings(1, 0, 0, List.of(), 8, 5000);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", settings)) {
            CompletableFuture<Map<String, Tensor>> running = scheduler.submit(row(1f));
            await().until(() -> engine.entered.get() == 1);
            CompletableFuture<Map<String, Tensor>> impatient = scheduler.submit(row(2f), TimeUnit.MILLISECONDS.toNanos(150));
            CompletableFuture<Map<String, Tensor>> patient = scheduler.submit(row(3f), TimeUnit.SECONDS.toNanos(60));
            CompletableFuture<Map<String, Tensor>> plain = scheduler.submit(row(4f), 0);

            await().until(impatient::isDone);
            assertThat(failure(impatient).code()).isEqualTo(ErrorCode.TIMEOUT);
            assertThat(failure(impatient)).hasMessage("the request's timeout of 150 ms passed before model 'sums' answered");
            assertThat(scheduler.queueDepth()).isEqualTo(2);
            assertThat(patient).isNotDone();
            assertThat(plain).isNotDone();

            engine.gate.countDown();
            assertThat(running.join().get("sum").getFloat(0)).isEqualTo(1f);
            assertThat(patient.join().get("sum").getFloat(0)).isEqualTo(3f);
            assertThat(plain.join().get("sum").getFloat(0)).isEqualTo(4f);
            assertThat(engine.seen).as("the impatient request never ran").containsExactlyInAnyOrder(1f, 3f, 4f);
        }
    }

    @Test
    void cancellingARequestOrAStageDerivedFromItFreesItsPlaceInTheQueueAndItNeverRuns() {
        RowSums engine = new RowSums(true);
        ModelScheduler.Settings settings = new ModelScheduler.Settings(1, 0, 0, List.of(), 2, 0);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", settings)) {
            CompletableFuture<Map<String, Tensor>> running = scheduler.submit(row(1f));
            await().until(() -> engine.entered.get() == 1);
            CompletableFuture<Map<String, Tensor>> cancelled = scheduler.submit(row(2f));
            // what a caller holds is usually a stage derived from the request (a decoded response)
            CompletableFuture<Map<String, Tensor>> source = scheduler.submit(row(3f));
            CompletableFuture<Float> derived = source.thenApply(outputs -> outputs.get("sum").getFloat(0))
                    .whenComplete((sum, failure) -> { });
            assertThat(scheduler.queueDepth()).isEqualTo(2);
            assertThat(scheduler.submit(row(9f))).as("the queue of 2 is full").isCompletedExceptionally();

            assertThat(cancelled.cancel(false)).isTrue();
            assertThat(derived.cancel(false)).isTrue();
            // at once, on this thread: no timer or execution thread is involved
            assertThat(scheduler.queueDepth()).isZero();
            assertThat(source).isCancelled();
            CompletableFuture<Map<String, Tensor>> after = scheduler.submit(row(4f));
            assertThat(scheduler.queueDepth()).isEqualTo(1);

            // cancelling the running one drops its answer; the engine finishes it all the same
            assertThat(running.cancel(false)).isTrue();
            engine.gate.countDown();
            assertThat(after.join().get("sum").getFloat(0)).isEqualTo(4f);
            assertThat(engine.seen).as("the cancelled requests never ran").containsExactlyInAnyOrder(1f, 4f);
            assertThat(running).isCancelled();
        }
    }

    @Test
    void aBlockingPredictWhoseThreadIsInterruptedCancelsItsQueuedRequest() throws InterruptedException {
        RowSums engine = new RowSums(true);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", ModelScheduler.Settings.unbatched(1, 8))) {
            scheduler.submit(row(1f));
            await().until(() -> engine.entered.get() == 1);
            Predictor predictor = request -> scheduler.submit(row(2f)).thenApply(outputs -> new InferenceResponse(
                    null, "sums", "1", outputs));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    predictor.predict(new InferenceRequest(null, Map.of(), null));
                } catch (RuntimeException e) {
                    thrown.set(e);
                }
            });
            caller.start();
            await().until(() -> scheduler.queueDepth() == 1);

            caller.interrupt();
            caller.join();
            assertThat(scheduler.queueDepth()).isZero();
            assertThat(thrown.get()).hasMessageContaining("interrupted");
            engine.gate.countDown();
            assertThat(scheduler.submit(row(3f)).join().get("sum").getFloat(0)).isEqualTo(3f);
            assertThat(engine.seen).containsExactlyInAnyOrder(1f, 3f);
        }
    }

    @Test
    void oneBlockedModelLeavesAnotherUntouched() {
        RowSums stuck = new RowSums(true);
        RowSums free = new RowSums(false);
        try (ModelScheduler a = new ModelScheduler(stuck, "a", ModelScheduler.Settings.unbatched(1, 4));
             ModelScheduler b = new ModelScheduler(free, "b", ModelScheduler.Settings.unbatched(1, 4))) {
            List<CompletableFuture<Map<String, Tensor>>> onA = new ArrayList<>();
            onA.add(a.submit(row(10f)));
            // until its execution takes it, the first request still counts against the queue of 4
            await().until(() -> stuck.entered.get() == 1);
            for (int i = 1; i < 5; i++) {
                onA.add(a.submit(row(10f + i)));
            }
            assertThat(a.queueDepth()).isEqualTo(4);
            for (int i = 0; i < 100; i++) {
                assertThat(b.submit(row(i)).join().get("sum").getFloat(0)).isEqualTo(i);
            }
            assertThat(failure(a.submit(row(99f))).code()).isEqualTo(ErrorCode.OVERLOADED);
            stuck.gate.countDown();
            for (int i = 0; i < 5; i++) {
                assertThat(onA.get(i).join().get("sum").getFloat(0)).isEqualTo(10f + i);
            }
        }
    }

    @Test
    void aThousandQueuedRequestsHoldNoThreads() {
        RowSums engine = new RowSums(true);
        int before = Thread.activeCount();
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", ModelScheduler.Settings.unbatched(2, 1000))) {
            List<CompletableFuture<Map<String, Tensor>>> answers = new ArrayList<>();
            answers.add(scheduler.submit(row(0)));
            answers.add(scheduler.submit(row(1)));
            // both executions hold a request before the queue is filled, or the last two would be refused
            await().until(() -> engine.entered.get() == 2);
            for (int i = 2; i < 1002; i++) {
                answers.add(scheduler.submit(row(i)));
            }
            assertThat(scheduler.queueDepth()).isEqualTo(1000);
            assertThat(scheduler.inFlight()).isEqualTo(1002);
            // the two executions, and the deadline timer if no earlier test started it
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 3);
            engine.gate.countDown();
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).join().get("sum").getFloat(0)).isEqualTo(i);
            }
        }
    }

    @Test
    void requestsOfDifferentWidthsAreNotStackedTogether() {
        RowSums engine = new RowSums(false);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", batched(64, 5_000, 64))) {
            List<CompletableFuture<Map<String, Tensor>>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int width = i % 2 == 0 ? 2 : 3;
                answers.add(scheduler.submit(new Tensor[] {
                    Tensor.ofFloats(new long[] {1, width}, width == 2 ? new float[] {1, 1} : new float[] {1, 1, 1})}));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(answers.get(i).join().get("sum").getFloat(0)).isEqualTo(i % 2 == 0 ? 2f : 3f);
            }
        }
    }

    @Test
    void theObserverSeesQueueWaitsAndExecutions() {
        RowSums engine = new RowSums(true);
        AtomicInteger dequeued = new AtomicInteger();
        AtomicInteger executions = new AtomicInteger();
        AtomicLong rows = new AtomicLong();
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", batched(8, 0, 16))) {
            scheduler.observe(new Scheduler.Observer() {
                @Override
                public void dequeued(long queueNanos) {
                    assertThat(queueNanos).isNotNegative();
                    dequeued.incrementAndGet();
                }

                @Override
                public void executed(int requests, long batchRows, long computeNanos) {
                    executions.incrementAndGet();
                    rows.addAndGet(batchRows);
                }
            });
            CompletableFuture<Map<String, Tensor>> first = scheduler.submit(row(1f));
            await().until(() -> engine.entered.get() == 1);
            List<CompletableFuture<Map<String, Tensor>>> rest = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rest.add(scheduler.submit(new Tensor[] {Tensor.ofFloats(new long[] {2, 1}, i, i)}));
            }
            engine.gate.countDown();
            first.join();
            rest.forEach(CompletableFuture::join);
        }
        // the first alone, then the three queued meanwhile as one batch of six rows
        assertThat(dequeued.get()).isEqualTo(4);
        assertThat(executions.get()).isEqualTo(2);
        assertThat(rows.get()).isEqualTo(7);
        assertThat(engine.batchSizes).containsExactly(1L, 6L);
    }

    @Test
    void closingFailsWhatIsStillQueuedAndRefusesMore() throws InterruptedException {
        RowSums engine = new RowSums(true);
        ModelScheduler scheduler = new ModelScheduler(engine, "sums", ModelScheduler.Settings.unbatched(1, 8));
        CompletableFuture<Map<String, Tensor>> running = scheduler.submit(row(1f));
        await().until(() -> engine.entered.get() == 1);
        CompletableFuture<Map<String, Tensor>> queued = scheduler.submit(row(2f));
        // close() waits for the execution still in the engine, so it runs on a thread of its own
        Thread closer = new Thread(scheduler::close);
        closer.start();
        assertThat(failure(queued).code()).isEqualTo(ErrorCode.MODEL_NOT_READY);
        assertThat(failure(queued)).hasMessageContaining("unloaded");
        engine.gate.countDown();
        closer.join();
        assertThat(running.join().get("sum").getFloat(0)).isEqualTo(1f);
        assertThat(failure(scheduler.submit(row(3f)))).hasMessageContaining("being unloaded");
    }

    @Test
    void heldWakeupsStartTheExecutionOnlyWhenFlushedAndThenRunTheRequestsTogether() {
        RowSums engine = new RowSums(false);
        List<Runnable> flushes = new ArrayList<>();
        try (ModelScheduler scheduler = new ModelScheduler(engine, "sums", batched(8, 0, 16))) {
            ModelScheduler.holdWakeups(flushes::add);
            List<CompletableFuture<Map<String, Tensor>>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ModelScheduler.holdWakeups(flushes::add);
                answers.add(scheduler.submit(row(i)));
            }
            assertThat(flushes).hasSize(1);
            assertThat(scheduler.queueDepth()).isEqualTo(3);
            assertThat(engine.entered.get()).isZero();

            flushes.get(0).run();
            for (int i = 0; i < 3; i++) {
                assertThat(answers.get(i).join().get("sum").getFloat(0)).isEqualTo(i);
            }
            assertThat(engine.batchSizes).containsExactly(3L);
            // once flushed, this thread's submits start executions at once again
            assertThat(scheduler.submit(row(7f)).join().get("sum").getFloat(0)).isEqualTo(7f);
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

    /** The failure of a completed (or soon completed) future. */
    private static KubeServeException failure(CompletableFuture<?> future) {
        await().until(future::isDone);
        try {
            future.join();
        } catch (java.util.concurrent.CompletionException e) {
            return (KubeServeException) KubeServeException.unwrap(e);
        }
        throw new AssertionError("completed normally");
    }
}
