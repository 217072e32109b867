package io.kubeserve.core.engine;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.Scheduler;
import io.kubeserve.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules the requests of one model version onto its engine: a bounded queue of requests, at most
 * {@code instances} executions at once (Triton's instance group), optional dynamic batching, and an
 * optional deadline per request.
 *
 * <p><b>Requests wait, threads do not.</b> {@link #submit} queues the request and returns a future
 * at once; no caller thread is held while the model works. Each version has its own execution
 * threads, at most {@code instances}, started on demand and gone after
 * {@value #IDLE_SECONDS} s idle. So a version that is slow or stuck fills its own queue and then
 * refuses more with {@code OVERLOADED}, and every other model keeps its threads and its latency.
 *
 * <p><b>Dynamic batching</b> ({@code maxBatchSize > 0}): an execution takes the oldest request and
 * adds queued ones, stacked along the batch dimension, until the batch holds {@code maxBatchSize}
 * rows, reaches a preferred size with nothing else queued, or the oldest request has waited
 * {@code maxQueueDelay}. A request that would overflow the batch, or whose other dimensions differ,
 * waits at the head of the queue for the next execution. Each request gets the engine's own rows
 * back, so batched and unbatched answers are identical.
 *
 * <p><b>Deadlines</b> ({@code timeoutMillis > 0}): a timer, not a waiting thread, fails the
 * request with {@code TIMEOUT} when its deadline passes. A request still queued then leaves the
 * queue and never reaches the engine; one already executing is answered at once and its rows are
 * dropped when the engine returns.
 *
 * <p><b>Cancelling.</b> A caller that gives up cancels the returned future, or any stage derived
 * from it: a request still queued leaves the queue at once (its place is free for another) and
 * never reaches the engine; one already executing finishes, and its rows are dropped.
 *
 * <p><b>Inline runs.</b> A thread that called {@link #runFastRequestsInline()} (a protocol adapter's
 * event loop) runs a request itself, instead of handing it to an execution thread, when the model
 * is fast and idle: its engine allows it ({@link EngineRunner#mayRunInline()}), batching is off, an
 * instance is free and nothing else is queued, the model's recent executions took at most
 * {@value #INLINE_MAX_MICROS} µs on average, the request's inputs hold at most
 * {@value #INLINE_MAX_BYTES} bytes of fixed-size values, and, on a thread that holds its wake-ups
 * ({@link #holdWakeups}), it is the first request of the pass and the pass before held at most
 * one. The run holds an instance like any other. A small model's run costs about as much as the
 * two thread switches of a hand-over, which this saves when requests come one at a time; when a
 * loop reads several a pass it is busy, and one execution thread woken once for them costs it less
 * than running each itself (measured: docs/BENCHMARKS.md). A slow, busy or batching model is never
 * run on the caller's thread.
 *
 * <p><b>Threads.</b> The returned future completes on the thread that finishes the request: an
 * execution thread of this model, the deadline timer, the caller's own thread when the request
 * is refused at once or run inline, or the thread that cancels it. Dependent stages run there too;
 * keep them short (encoding a response is fine) or move them elsewhere with an executor. All
 * methods are thread-safe.
 */
public final class ModelScheduler implements Scheduler, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelScheduler.class);

    /** Seconds an execution thread stays after its last request. */
    static final long IDLE_SECONDS = 30;
    /** How long {@link #close} waits for executions still in the engine. */
    private static final long CLOSE_WAIT_SECONDS = 30;
    /** Requests run inline only for a model whose executions average at most this many µs. */
    static final long INLINE_MAX_MICROS = 100;
    /** ... and only when their inputs hold at most this many bytes: a big input may take long even so. */
    static final long INLINE_MAX_BYTES = 64 * 1024;
    private static final long INLINE_MAX_NANOS = TimeUnit.MICROSECONDS.toNanos(INLINE_MAX_MICROS);

    private static final Observer NO_OBSERVER = new Observer() {
        @Override
        public void dequeued(long queueNanos) {
        }

        @Override
        public void executed(int requests, long rows, long computeNanos) {
        }
    };

    /**
     * How a model version is scheduled.
     *
     * @param instances           executions at once, at least 1
     * @param maxBatchSize        most rows in one execution; 0 turns dynamic batching off
     * @param maxQueueDelayMicros longest the oldest request waits for others to join its batch
     * @param preferredBatchSizes batch sizes (rows) run at once when nothing else is queued
     * @param maxQueueSize        requests that may wait; beyond, {@code OVERLOADED} at once
     * @param timeoutMillis       deadline of each request from its arrival; 0: none
     */
    public record Settings(int instances, int maxBatchSize, long maxQueueDelayMicros,
                           List<Integer> preferredBatchSizes, int maxQueueSize, long timeoutMillis) {

        /**
         * Checks the limits and copies the preferred sizes.
         *
         * @param instances           executions at once, at least 1
         * @param maxBatchSize        most rows in one execution; 0 turns dynamic batching off
         * @param maxQueueDelayMicros longest the oldest request waits for others to join its batch, in µs
         * @param preferredBatchSizes batch sizes (rows) run at once when nothing else is queued
         * @param maxQueueSize        requests that may wait, at least 1
         * @param timeoutMillis       deadline of each request from its arrival, in ms; 0: none
         * @throws IllegalArgumentException when {@code instances} or {@code maxQueueSize} is below 1,
         *         or a delay, size or timeout is negative
         */
        public Settings {
            if (instances < 1 || maxBatchSize < 0 || maxQueueDelayMicros < 0 || maxQueueSize < 1 || timeoutMillis < 0) {
                throw new IllegalArgumentException("invalid scheduler settings: instances " + instances
                        + ", max batch size " + maxBatchSize + ", delay " + maxQueueDelayMicros + " µs, queue "
                        + maxQueueSize + ", timeout " + timeoutMillis + " ms");
            }
            preferredBatchSizes = List.copyOf(preferredBatchSizes);
        }

        /**
         * Unbatched, no deadline: {@code instances} executions and a queue of {@code maxQueueSize}.
         *
         * @param instances    executions at once, at least 1
         * @param maxQueueSize requests that may wait, at least 1
         * @return the settings
         */
        public static Settings unbatched(int instances, int maxQueueSize) {
            return new Settings(instances, 0, 0, List.of(), maxQueueSize, 0);
        }

        /**
         * The settings a model config asks for; batching only when the config turns it on and
         * {@code batchable} says every input has a batch dimension.
         *
         * @param config    the model's config ({@code instance_group} count, {@code max_batch_size},
         *                  {@code dynamic_batching}'s {@code max_queue_delay_microseconds} and
         *                  {@code preferred_batch_size}, {@code max_queue_size}, {@code request_timeout_ms})
         * @param batchable whether the model's inputs can be stacked ({@link InputShapes#batchable()})
         * @return the settings
         */
        public static Settings of(ModelConfig config, boolean batchable) {
            return new Settings(config.effectiveInstances(), batchable ? config.maxBatchSize() : 0,
                    config.maxQueueDelayMicros(), config.preferredBatchSizes(), config.effectiveMaxQueueSize(),
                    config.requestTimeoutMillis());
        }
    }

    /**
     * One request, and the future its caller holds: queued in an intrusive list, so a deadline or a
     * cancel unlinks it in constant time.
     */
    private final class Pending extends CompletableFuture<Map<String, Tensor>> {
        final Tensor[] inputs;
        final long rows;
        final long arrivedNanos;
        /** Set just after the request is queued (an execution thread may already hold it). */
        volatile ScheduledFuture<?> deadline;
        /** Guarded by the scheduler's lock. */
        Pending previous;
        Pending next;
        boolean queued;

        Pending(Tensor[] inputs, long rows, long arrivedNanos) {
            this.inputs = inputs;
            this.rows = rows;
            this.arrivedNanos = arrivedNanos;
        }

        /**
         * The caller gave up: out of the queue at once if still there (before its dependent stages
         * run, so none of them sees it still holding a place), its timer gone.
         */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            withdraw(this);
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                cancelDeadline(this);
            }
            return cancelled;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new Derived<>(this);
        }
    }

    /**
     * A stage derived from a request's future ({@code thenApply}, {@code whenComplete}, ...):
     * cancelling it cancels the request, as a transformed future does in Guava, so a caller may
     * cancel whichever stage it holds. Only {@code cancel} reaches the request: {@code copy()} is a
     * derived stage too, while {@code orTimeout}, {@code completeOnTimeout} and
     * {@code completeExceptionally} complete the stage alone.
     */
    private static final class Derived<T> extends CompletableFuture<T> {
        private final CompletableFuture<?> request;

        Derived(CompletableFuture<?> request) {
            this.request = request;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                // a stage already completed (by a stage it also depends on) leaves the request alone
                request.cancel(mayInterruptIfRunning);
            }
            return cancelled;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new Derived<>(request);
        }
    }

    private final EngineRunner engine;
    private final String model;
    private final int instances;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final int[] preferredSizes;
    private final int maxQueueSize;
    private final long timeoutNanos;
    private final ThreadPoolExecutor executions;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a request arrives while an execution is gathering a batch. */
    private final Condition arrived = lock.newCondition();
    private final AtomicInteger executing = new AtomicInteger();
    private volatile Observer observer = NO_OBSERVER;
    /** Whether requests may ever run inline: the engine allows it and batching is off. */
    private final boolean inlineCapable;
    /**
     * The engine's time per execution, weighted 1/8 towards each new one, in ns; -1 before the first.
     * Updated without a lock: two racing updates lose one sample, which an estimate can afford.
     */
    private volatile long recentComputeNanos = -1;
    /** Signalled when the last inline run ends, for {@link #close}. */
    private final Condition inlineFinished = lock.newCondition();

    // guarded by lock (queued also read without it, for gauges)
    private Pending head;
    private Pending tail;
    private volatile int queued;
    private int running;
    private int gathering;
    private int runningInline;
    private boolean closed;

    /**
     * A scheduler with no thread yet; execution threads start with the first requests. The caller
     * owns it and must {@link #close} it.
     *
     * @param engine   runs one execution; called from this scheduler's threads only
     * @param model    the model's name and version, for thread names and messages
     * @param settings queue, instances, batching and deadline
     */
    public ModelScheduler(EngineRunner engine, String model, Settings settings) {
        this.engine = engine;
        this.model = model;
        this.instances = settings.instances();
        this.maxBatchSize = settings.maxBatchSize();
        this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(settings.maxQueueDelayMicros());
        this.preferredSizes = settings.preferredBatchSizes().stream().mapToInt(Integer::intValue).sorted().toArray();
        this.maxQueueSize = settings.maxQueueSize();
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.timeoutMillis());
        this.inlineCapable = engine.mayRunInline() && maxBatchSize == 0;
        AtomicInteger threads = new AtomicInteger();
        this.executions = new ThreadPoolExecutor(instances, instances, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "kubeserve-" + model + "-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.executions.allowCoreThreadTimeOut(true);
    }

    /**
     * Queues one request, already checked against the model's inputs (in input order). Returns at
     * once; never throws for a refused request, the future fails instead.
     *
     * @param inputs one tensor per model input, in model order; the caller must not change them
     *               until the future completes
     * @return the engine's outputs by name; fails with {@code OVERLOADED} when the queue is full,
     *         {@code MODEL_NOT_READY} once closed, {@code TIMEOUT} past the deadline, or whatever
     *         the engine threw. Cancelling it (or a stage derived from it) withdraws the request, as
     *         the class comment says
     */
    public CompletableFuture<Map<String, Tensor>> submit(Tensor[] inputs) {
        return submit(inputs, 0);
    }

    /**
     * Queues one request that its caller waits for at most {@code callerTimeoutNanos}: the earlier of
     * that and the model's own deadline applies, and a request still queued then is dropped unrun.
     *
     * @param inputs             as for {@link #submit(Tensor[])}
     * @param callerTimeoutNanos the caller's timeout in nanoseconds from now; 0 for none
     * @return as for {@link #submit(Tensor[])}
     */
    public CompletableFuture<Map<String, Tensor>> submit(Tensor[] inputs, long callerTimeoutNanos) {
        long rows = maxBatchSize > 0 ? inputs[0].dim(0) : 1;
        Pending pending = new Pending(inputs, rows, System.nanoTime());
        boolean callers = callerTimeoutNanos > 0 && (timeoutNanos == 0 || callerTimeoutNanos < timeoutNanos);
        long timeout = callers ? callerTimeoutNanos : timeoutNanos;
        KubeServeException refused = null;
        boolean startExecution = false;
        boolean inline = false;
        HeldWakeups held = HELD.get();
        boolean inlineWanted = inlineCapable && held != null && held.mayRunNext() && fastAndSmall(inputs);
        if (held != null) {
            held.submitted();
        }
        lock.lock();
        try {
            if (closed) {
                refused = KubeServeException.notReady("model '" + model + "' is being unloaded");
            } else if (queued >= maxQueueSize) {
                refused = new KubeServeException(ErrorCode.OVERLOADED, "model '" + model + "' is overloaded: its queue of "
                        + maxQueueSize + " requests is full; retry later");
            } else {
                link(pending);
                if (gathering > 0) {
                    arrived.signal();
                } else if (running < instances) {
                    running++;
                    if (inlineWanted && head == pending) {
                        // this thread runs it: out of the queue now, as an execution thread would take it
                        unlink(pending);
                        executing.incrementAndGet();
                        runningInline++;
                        inline = true;
                    } else {
                        startExecution = true;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            pending.completeExceptionally(refused);
        } else if (inline) {
            runInline(pending, held);
        } else {
            // Only a queued request gets a timer. A run on this thread, at once, never waits in the queue,
            // and its thread is busy with the engine until then anyway; a timer per such call would also
            // wake the timer's thread per call (a lone timer task is always the queue's head). An
            // execution thread that answers the request before its timer exists leaves it nothing to do.
            if (timeout > 0) {
                pending.deadline = Deadlines.TIMER.schedule(() -> expire(pending, timeout, callers), timeout,
                        TimeUnit.NANOSECONDS);
            }
            if (startExecution) {
                wake(held);
            }
        }
        return pending;
    }

    /**
     * Lets the calling thread run the requests it submits itself when the model is fast and idle
     * (see the class comment), for the rest of the thread's life. For an event loop that reads
     * requests and writes answers: a small model's answer is then written by the thread that read
     * its request, with no thread switch.
     */
    public static void runFastRequestsInline() {
        held().inline = true;
    }

    /** Whether the request is small, for a model that has been fast. */
    private boolean fastAndSmall(Tensor[] inputs) {
        long recent = recentComputeNanos;
        if (recent < 0 || recent > INLINE_MAX_NANOS) {
            return false;
        }
        long bytes = 0;
        for (Tensor input : inputs) {
            if (!input.type().isFixedSize()) {
                return false;
            }
            bytes += input.byteSize();
        }
        return bytes <= INLINE_MAX_BYTES;
    }

    /**
     * Runs a request taken out of the queue on this thread, then hands its instance to an
     * execution thread if requests came meanwhile, or frees it.
     */
    private void runInline(Pending pending, HeldWakeups held) {
        List<Pending> batch = new ArrayList<>(1);
        batch.add(pending);
        try {
            execute(batch);
        } finally {
            executing.decrementAndGet();
            boolean handOver;
            lock.lock();
            try {
                if (--runningInline == 0) {
                    inlineFinished.signalAll();
                }
                handOver = head != null && !closed;
                if (!handOver) {
                    running--;
                }
            } finally {
                lock.unlock();
            }
            if (handOver) {
                wake(held);
            }
        }
    }

    /**
     * Starts an execution thread for an instance already counted in {@code running}, or holds the
     * start when {@code held}, this thread's choices (null: none), is holding.
     */
    private void wake(HeldWakeups held) {
        if (held != null && held.holding) {
            held.schedulers.add(this);
        } else {
            startExecution();
        }
    }

    /**
     * Holds back the execution starts that this thread's submits cause until {@code flusher} runs
     * a task: an event loop that reads several requests in one pass submits them all before any
     * execution is woken. Without it, each wake-up can take the core from the loop at once on a
     * one-core machine, and requests go through one at a time, each paying two thread switches.
     * Call it on the loop's thread before submitting; {@code flusher} must run its task on that
     * same thread (an I/O thread's own task queue), after the requests ready now are read.
     *
     * @param flusher runs, on the calling thread, the task that starts the held executions
     */
    public static void holdWakeups(java.util.concurrent.Executor flusher) {
        HeldWakeups held = held();
        if (!held.holding) {
            held.holding = true;
            flusher.execute(held::flush);
        }
    }

    private static final ThreadLocal<HeldWakeups> HELD = new ThreadLocal<>();

    private static HeldWakeups held() {
        HeldWakeups held = HELD.get();
        if (held == null) {
            held = new HeldWakeups();
            HELD.set(held);
        }
        return held;
    }

    /**
     * One thread's scheduling choices: the schedulers whose executions wait for its flush, and
     * whether it runs fast requests inline. Used by that thread only.
     */
    private static final class HeldWakeups {
        final List<ModelScheduler> schedulers = new ArrayList<>();
        boolean holding;
        boolean inline;
        /** Requests submitted since the held pass began, and in the pass before. */
        int passSubmits;
        int lastPassSubmits;

        /**
         * Inline only for the first request of a pass after a pass of at most one: a pass of
         * several is a busy loop (class comment).
         */
        boolean mayRunNext() {
            return inline && (!holding || (passSubmits == 0 && lastPassSubmits <= 1));
        }

        void submitted() {
            if (holding) {
                passSubmits++;
            }
        }

        void flush() {
            holding = false;
            lastPassSubmits = passSubmits;
            passSubmits = 0;
            for (ModelScheduler scheduler : schedulers) {
                scheduler.startExecution();
            }
            schedulers.clear();
        }
    }

    /** An execution thread's loop: runs queued requests until none are left. */
    private void executeQueued() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            boolean startAnother = false;
            lock.lock();
            try {
                Pending first = closed ? null : takeFirst();
                if (first == null) {
                    running--;
                    return;
                }
                batch.add(first);
                if (maxBatchSize > 0) {
                    gather(first, batch);
                }
                executing.addAndGet(batch.size());
                // what this batch could not take goes to an idle instance rather than waiting for this one
                if (head != null && running < instances && gathering == 0) {
                    running++;
                    startAnother = true;
                }
            } finally {
                lock.unlock();
            }
            if (startAnother) {
                startExecution();
            }
            try {
                execute(batch);
            } finally {
                executing.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    private void startExecution() {
        try {
            executions.execute(this::executeQueued);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: close() has answered everything that was queued
        }
    }

    /** The oldest queued request still unanswered, unlinked; null when none. Holds the lock. */
    private Pending takeFirst() {
        Pending first;
        while ((first = head) != null) {
            unlink(first);
            if (!first.isDone()) {
                return first;
            }
        }
        return null;
    }

    /** Adds queued requests to {@code batch}, as the class comment says. Holds the lock. */
    private void gather(Pending first, List<Pending> batch) {
        long rows = first.rows;
        long delayEnds = first.arrivedNanos + maxDelayNanos;
        while (rows < maxBatchSize && !closed) {
            Pending next = head;
            if (next == null) {
                long wait = delayEnds - System.nanoTime();
                if (wait <= 0 || isPreferred(rows)) {
                    return;
                }
                gathering++;
                try {
                    arrived.awaitNanos(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    gathering--;
                }
            } else if (next.isDone()) {
                unlink(next);
            } else if (rows + next.rows > maxBatchSize || !stackable(first, next)) {
                return;
            } else {
                unlink(next);
                batch.add(next);
                rows += next.rows;
            }
        }
    }

    private boolean isPreferred(long rows) {
        return preferredSizes.length > 0
                && Arrays.binarySearch(preferredSizes, (int) Math.min(rows, Integer.MAX_VALUE)) >= 0;
    }

    private static boolean stackable(Pending a, Pending b) {
        for (int i = 0; i < a.inputs.length; i++) {
            if (!TensorBatches.stackable(a.inputs[i], b.inputs[i])) {
                return false;
            }
        }
        return true;
    }

    /** Runs one batch on the engine and answers each request; requests answered meanwhile are left out. */
    private void execute(List<Pending> batch) {
        long start = System.nanoTime();
        Observer watcher = observer;
        int live = 0;
        long rows = 0;
        for (Pending pending : batch) {
            if (!pending.isDone()) {
                batch.set(live++, pending);
                rows += pending.rows;
                watcher.dequeued(start - pending.arrivedNanos);
            }
        }
        if (live == 0) {
            return;
        }
        List<Pending> requests = batch.subList(0, live);
        try {
            if (live == 1) {
                Map<String, Tensor> outputs = engine.run(requests.get(0).inputs);
                watcher.executed(1, rows, measured(start));
                answer(requests.get(0), outputs);
            } else {
                List<Map<String, Tensor>> split = split(engine.run(stack(requests)), requests, rows);
                watcher.executed(live, rows, measured(start));
                for (int i = 0; i < live; i++) {
                    answer(requests.get(i), split.get(i));
                }
            }
        } catch (RuntimeException | Error e) {
            measured(start);
            for (Pending pending : requests) {
                cancelDeadline(pending);
                pending.completeExceptionally(e);
            }
        }
    }

    /**
     * An execution's time since {@code start}, failed ones too, weighed into
     * {@link #recentComputeNanos}: the one clock reading serves the observer and the estimate.
     */
    private long measured(long start) {
        long took = System.nanoTime() - start;
        long recent = recentComputeNanos;
        recentComputeNanos = recent < 0 ? took : recent + (took - recent) / 8;
        return took;
    }

    private static void answer(Pending pending, Map<String, Tensor> outputs) {
        cancelDeadline(pending);
        pending.complete(outputs);
    }

    private static Tensor[] stack(List<Pending> batch) {
        int inputCount = batch.get(0).inputs.length;
        Tensor[] stacked = new Tensor[inputCount];
        List<Tensor> parts = new ArrayList<>(batch.size());
        for (int i = 0; i < inputCount; i++) {
            parts.clear();
            for (Pending pending : batch) {
                parts.add(pending.inputs[i]);
            }
            stacked[i] = TensorBatches.concat(parts);
        }
        return stacked;
    }

    /** Each request's rows of the batch's outputs; outputs without the batch dimension go to all. */
    private static List<Map<String, Tensor>> split(Map<String, Tensor> outputs, List<Pending> batch, long totalRows) {
        List<Map<String, Tensor>> parts = new ArrayList<>(batch.size());
        long offset = 0;
        for (Pending pending : batch) {
            Map<String, Tensor> mine = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
                Tensor tensor = output.getValue();
                boolean batched = tensor.rank() > 0 && tensor.dim(0) == totalRows;
                mine.put(output.getKey(), batched ? TensorBatches.rows(tensor, offset, offset + pending.rows) : tensor);
            }
            offset += pending.rows;
            parts.add(mine);
        }
        return parts;
    }

    /** The deadline timer's task: out of the queue if still there, and answered {@code TIMEOUT}. */
    private void expire(Pending pending, long timeout, boolean callers) {
        withdraw(pending);
        long millis = TimeUnit.NANOSECONDS.toMillis(timeout);
        pending.completeExceptionally(new KubeServeException(ErrorCode.TIMEOUT, callers
                ? "the request's timeout of " + millis + " ms passed before model '" + model + "' answered"
                : "model '" + model + "' did not answer within " + millis + " ms"));
    }

    /** Takes a request out of the queue if it is still there; an execution holding it already keeps it. */
    private void withdraw(Pending pending) {
        lock.lock();
        try {
            if (pending.queued) {
                unlink(pending);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void cancelDeadline(Pending pending) {
        ScheduledFuture<?> deadline = pending.deadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    private void link(Pending pending) {
        pending.previous = tail;
        if (tail == null) {
            head = pending;
        } else {
            tail.next = pending;
        }
        tail = pending;
        pending.queued = true;
        queued++;
    }

    private void unlink(Pending pending) {
        if (pending.previous == null) {
            head = pending.next;
        } else {
            pending.previous.next = pending.next;
        }
        if (pending.next == null) {
            tail = pending.previous;
        } else {
            pending.next.previous = pending.previous;
        }
        pending.previous = null;
        pending.next = null;
        pending.queued = false;
        queued--;
    }

    @Override
    public int queueDepth() {
        return queued;
    }

    @Override
    public int inFlight() {
        return queued + executing.get();
    }

    @Override
    public void observe(Observer newObserver) {
        this.observer = newObserver == null ? NO_OBSERVER : newObserver;
    }

    /**
     * Refuses new requests, fails the queued ones with {@code MODEL_NOT_READY}, and waits (up to
     * {@value #CLOSE_WAIT_SECONDS} s) for executions still in the engine, so the engine's native
     * resources can be freed after this returns.
     */
    @Override
    public void close() {
        List<Pending> left = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            Pending pending;
            while ((pending = head) != null) {
                unlink(pending);
                left.add(pending);
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        for (Pending pending : left) {
            cancelDeadline(pending);
            pending.completeExceptionally(KubeServeException.notReady("model '" + model + "' was unloaded"));
        }
        executions.shutdown();
        long waitEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        try {
            boolean finished = executions.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            lock.lock();
            try {
                long remaining;
                while (runningInline > 0 && (remaining = waitEnds - System.nanoTime()) > 0) {
                    inlineFinished.awaitNanos(remaining);
                }
                finished &= runningInline == 0;
            } finally {
                lock.unlock();
            }
            if (!finished) {
                LOG.warn("model {}: an execution is still in the engine after {} s; closing anyway", model,
                        CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The one timer thread that fails requests past their deadline, for every model. */
    private static final class Deadlines {
        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "kubeserve-deadlines");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
