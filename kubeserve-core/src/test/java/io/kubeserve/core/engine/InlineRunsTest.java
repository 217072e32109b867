package io.kubeserve.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeserve.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelScheduler#runFastRequestsInline()}: which requests the submitting thread runs itself,
 * and that such a run holds its instance like an execution thread's. Each case submits from a thread
 * of its own ({@link #loop}), standing for an adapter's event loop, since the choice lasts for the
 * thread's life. Waits are for states, never for time.
 */
class InlineRunsTest {

    /** The thread that submits: opted in to inline runs, or not. */
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));

    /** Echoes its input; records the thread of each call; a call whose first value is 99 waits on the gate. */
    private static final class Echo implements EngineRunner {
        final boolean inlineAllowed;
        final long sleepMillis;
        final List<String> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch gated = new CountDownLatch(1);

        Echo(boolean inlineAllowed, long sleepMillis) {
            this.inlineAllowed = inlineAllowed;
            this.sleepMillis = sleepMillis;
        }

        @Override
        public Map<String, Tensor> run(Tensor[] inputs) {
            threads.add(Thread.currentThread().getName());
            try {
                if (inputs[0].getFloat(0) == 99f) {
                    gated.countDown();
                    gate.await();
                }
                if (sleepMillis > 0) {
                    Thread.sleep(sleepMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("y", inputs[0]);
        }

        @Override
        public boolean mayRunInline() {
            return inlineAllowed;
        }

        String lastThread() {
            return threads.get(threads.size() - 1);
        }
    }

    @AfterEach
    void stopLoop() {
        loop.shutdownNow();
    }

    private static Tensor[] row(float value, int width) {
        float[] values = new float[width];
        values[0] = value;
        return new Tensor[] {Tensor.ofFloats(new long[] {1, width}, values)};
    }

    private <T> T onLoop(boolean optIn, Supplier<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            if (optIn) {
                ModelScheduler.runFastRequestsInline();
            }
            return work.get();
        }, loop).join();
    }

    /** Submits on the loop; the answer, and whether it was there before submit returned. */
    private record Submitted(CompletableFuture<Map<String, Tensor>> answer, boolean doneAtReturn) {
    }

    private Submitted submit(ModelScheduler scheduler, boolean optIn, Tensor[] inputs) {
        return onLoop(optIn, () -> {
            CompletableFuture<Map<String, Tensor>> answer = scheduler.submit(inputs);
            return new Submitted(answer, answer.isDone());
        });
    }

    /**
     * Submits from the opted-in loop until a request runs there: the first executions, cold, may
     * take longer than the limit, and the estimate takes a few fast ones to come down.
     */
    private void untilRunInline(ModelScheduler scheduler, Echo engine) {
        await().until(() -> {
            Submitted submitted = submit(scheduler, true, row(0f, 4));
            submitted.answer().join();
            return submitted.doneAtReturn() && engine.lastThread().equals("test-loop");
        });
    }

    /** Once the model runs inline, the loop runs a request that blocks in the engine until the gate opens. */
    private CompletableFuture<Map<String, Tensor>> blockedInline(ModelScheduler scheduler, Echo engine)
            throws InterruptedException {
        untilRunInline(scheduler, engine);
        CompletableFuture<Map<String, Tensor>> blocked = CompletableFuture.supplyAsync(() -> {
            ModelScheduler.runFastRequestsInline();
            return scheduler.submit(row(99f, 4)).join();
        }, loop);
        assertThat(engine.gated.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(engine.lastThread()).isEqualTo("test-loop");
        return blocked;
    }

    @Test
    void aFastIdleModelRunsOnTheThreadThatSubmitted() {
        Echo engine = new Echo(true, 0);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "echo", ModelScheduler.Settings.unbatched(1, 8))) {
            // nothing is known of the model's speed before its first execution: that one is handed over
            Submitted first = submit(scheduler, true, row(1f, 4));
            assertThat(first.answer().join().get("y").getFloat(0)).isEqualTo(1f);
            assertThat(engine.lastThread()).startsWith("kubeserve-echo");
            untilRunInline(scheduler, engine);

            Submitted second = submit(scheduler, true, row(2f, 4));
            assertThat(second.doneAtReturn()).isTrue();
            assertThat(second.answer().join().get("y").getFloat(0)).isEqualTo(2f);
            assertThat(engine.lastThread()).isEqualTo("test-loop");
            assertThat(scheduler.inFlight()).isZero();
        }
    }

    @Test
    void inAPassOfSeveralRequestsOnlyTheFirstRunsInlineAndTheOthersWaitForTheFlush() {
        Echo engine = new Echo(true, 0);
        List<Runnable> flushes = new ArrayList<>();
        try (ModelScheduler scheduler = new ModelScheduler(engine, "echo", ModelScheduler.Settings.unbatched(1, 8))) {
            untilRunInline(scheduler, engine);
            // one pass of the loop: three requests read before its flush runs
            List<Submitted> pass = onLoop(true, () -> {
                List<Submitted> submitted = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    ModelScheduler.holdWakeups(flushes::add);
                    CompletableFuture<Map<String, Tensor>> answer = scheduler.submit(row(i, 4));
                    submitted.add(new Submitted(answer, answer.isDone()));
                }
                return submitted;
            });
            assertThat(pass.get(0).doneAtReturn()).isTrue();
            assertThat(pass.get(1).doneAtReturn()).isFalse();
            assertThat(pass.get(2).doneAtReturn()).isFalse();
            assertThat(scheduler.queueDepth()).isEqualTo(2);
            assertThat(flushes).hasSize(1);

            onLoop(true, () -> {
                flushes.get(0).run();
                return null;
            });
            for (int i = 0; i < 3; i++) {
                assertThat(pass.get(i).answer().join().get("y").getFloat(0)).isEqualTo(i + 1);
            }
            assertThat(engine.lastThread()).startsWith("kubeserve-echo");

            // after a busy pass the loop hands over even the first request of its next pass; after a
            // pass of one, it runs the next pass's first request itself again. The execution thread
            // answers before it lets go of its instance, and a run slowed down on a loaded machine
            // raises the model's recent time: until both settle, a pass of one is handed over too,
            // and is itself a pass of one for the next
            Submitted afterBusy = onePass(scheduler, flushes, 4f);
            assertThat(afterBusy.doneAtReturn()).isFalse();
            assertThat(afterBusy.answer().join().get("y").getFloat(0)).isEqualTo(4f);
            await().until(() -> {
                Submitted afterQuiet = onePass(scheduler, flushes, 5f);
                assertThat(afterQuiet.answer().join().get("y").getFloat(0)).isEqualTo(5f);
                return afterQuiet.doneAtReturn() && engine.lastThread().equals("test-loop");
            });
        }
    }

    /** One pass of the loop with one request, flushed at its end as an event loop would. */
    private Submitted onePass(ModelScheduler scheduler, List<Runnable> flushes, float value) {
        return onLoop(true, () -> {
            ModelScheduler.holdWakeups(flushes::add);
            CompletableFuture<Map<String, Tensor>> answer = scheduler.submit(row(value, 4));
            Submitted submitted = new Submitted(answer, answer.isDone());
            flushes.get(flushes.size() - 1).run();
            return submitted;
        });
    }

    @Test
    void aThreadThatDidNotAskHandsEveryRequestOver() {
        Echo engine = new Echo(true, 0);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "echo", ModelScheduler.Settings.unbatched(1, 8))) {
            for (int i = 0; i < 3; i++) {
                submit(scheduler, false, row(i, 4)).answer().join();
                assertThat(engine.lastThread()).startsWith("kubeserve-echo");
            }
        }
    }

    @Test
    void anEngineThatDoesNotAllowItABatchingModelASlowModelAndABigRequestAreHandedOver() {
        Echo refusing = new Echo(false, 0);
        Echo batching = new Echo(true, 0);
        Echo slow = new Echo(true, 1);
        Echo fast = new Echo(true, 0);
        try (ModelScheduler refusingScheduler = new ModelScheduler(refusing, "refusing",
                ModelScheduler.Settings.unbatched(1, 8));
             ModelScheduler batchingScheduler = new ModelScheduler(batching, "batching",
                     new ModelScheduler.Settings(1, 8, 0, List.of(), 8, 0));
             ModelScheduler slowScheduler = new ModelScheduler(slow, "slow", ModelScheduler.Settings.unbatched(1, 8));
             ModelScheduler fastScheduler = new ModelScheduler(fast, "fast", ModelScheduler.Settings.unbatched(1, 8))) {
            for (int i = 0; i < 3; i++) {
                submit(refusingScheduler, true, row(i, 4)).answer().join();
                submit(batchingScheduler, true, row(i, 4)).answer().join();
                submit(slowScheduler, true, row(i, 4)).answer().join();
            }
            assertThat(refusing.threads).allMatch(name -> name.startsWith("kubeserve-refusing"));
            assertThat(batching.threads).allMatch(name -> name.startsWith("kubeserve-batching"));
            // 1 ms a call is ten times the limit
            assertThat(slow.threads).allMatch(name -> name.startsWith("kubeserve-slow"));

            untilRunInline(fastScheduler, fast);
            // a request of more than 64 KiB goes to an execution thread even for a fast model
            int width = (int) (ModelScheduler.INLINE_MAX_BYTES / Float.BYTES) + 1;
            Submitted big = submit(fastScheduler, true, row(3f, width));
            assertThat(big.answer().join().get("y").getFloat(0)).isEqualTo(3f);
            assertThat(fast.lastThread()).startsWith("kubeserve-fast");
        }
    }

    @Test
    void requestsArrivingDuringAnInlineRunWaitForItsInstanceAndThenGetAnExecutionThread() throws Exception {
        Echo engine = new Echo(true, 0);
        try (ModelScheduler scheduler = new ModelScheduler(engine, "echo", ModelScheduler.Settings.unbatched(1, 8))) {
            CompletableFuture<Map<String, Tensor>> blocked = blockedInline(scheduler, engine);

            // the one instance is taken: another thread's request waits in the queue
            CompletableFuture<Map<String, Tensor>> waiting = scheduler.submit(row(5f, 4));
            assertThat(scheduler.queueDepth()).isEqualTo(1);
            assertThat(waiting).isNotDone();

            engine.gate.countDown();
            assertThat(blocked.join().get("y").getFloat(0)).isEqualTo(99f);
            assertThat(waiting.join().get("y").getFloat(0)).isEqualTo(5f);
            assertThat(engine.lastThread()).startsWith("kubeserve-echo");
        }
    }

    @Test
    void closingWaitsForAnInlineRunStillInTheEngine() throws Exception {
        Echo engine = new Echo(true, 0);
        ModelScheduler scheduler = new ModelScheduler(engine, "echo", ModelScheduler.Settings.unbatched(1, 8));
        CompletableFuture<Map<String, Tensor>> blocked = blockedInline(scheduler, engine);

        AtomicBoolean closed = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            scheduler.close();
            closed.set(true);
        });
        closer.start();
        // close() has refused new requests, yet it still waits for the run in the engine
        await().until(() -> scheduler.submit(row(2f, 4)).isCompletedExceptionally());
        assertThat(closed).isFalse();
        assertThat(closer.isAlive()).isTrue();

        engine.gate.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(closed).isTrue();
        assertThat(blocked.join().get("y").getFloat(0)).isEqualTo(99f);
    }
}
