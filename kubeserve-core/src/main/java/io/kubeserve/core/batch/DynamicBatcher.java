package io.kubeserve.core.batch;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Dynamic batching for one model version: requests that arrive close together are stacked along
 * the batch dimension, run as one engine call, and the results cut back into each request's rows.
 *
 * <p>A request waits in a bounded queue (full: {@code OVERLOADED} at once). Each of
 * {@code instances} batching threads takes the oldest request and gathers more until the batch
 * holds {@code maxBatchSize} rows, reaches a preferred size with nothing else waiting, or the oldest
 * request has waited {@code maxQueueDelay}. A request that would overflow the batch, or whose
 * non-batch dimensions differ, opens the next batch instead. Results are the engine's own rows, so
 * batched and unbatched answers are identical.
 */
public final class DynamicBatcher implements EngineRunner, AutoCloseable {

    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final EngineRunner engine;
    private final String model;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final int[] preferredSizes;
    private final long timeoutNanos;
    private final BlockingQueue<Pending> queue;
    private final Thread[] threads;
    private volatile boolean closed;

    /** One request waiting for its batch. */
    private static final class Pending {
        final Tensor[] inputs;
        final long rows;
        final long enqueuedNanos = System.nanoTime();
        final CompletableFuture<Map<String, Tensor>> result = new CompletableFuture<>();
        /** Set by whoever gets there first: the batcher (taken) or a timed-out caller (abandoned). */
        final AtomicBoolean claimed = new AtomicBoolean();

        Pending(Tensor[] inputs) {
            this.inputs = inputs;
            this.rows = inputs[0].dim(0);
        }
    }

    public DynamicBatcher(EngineRunner engine, String model, int instances, int maxBatchSize, long maxQueueDelayMicros,
                          List<Integer> preferredBatchSizes, int maxQueueSize, long timeoutMillis) {
        this.engine = engine;
        this.model = model;
        this.maxBatchSize = maxBatchSize;
        this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(maxQueueDelayMicros);
        this.preferredSizes = preferredBatchSizes.stream().mapToInt(Integer::intValue).sorted().toArray();
        this.timeoutNanos = timeoutMillis > 0 ? TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : Long.MAX_VALUE;
        this.queue = new ArrayBlockingQueue<>(maxQueueSize);
        this.threads = new Thread[instances];
        for (int i = 0; i < instances; i++) {
            threads[i] = new Thread(this::loop, "kubeserve-batch-" + model + "-" + (i + 1));
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    @Override
    public Map<String, Tensor> run(Tensor[] inputs) {
        if (closed) {
            throw KubeServeException.notReady("model '" + model + "' is being unloaded");
        }
        Pending pending = new Pending(inputs);
        if (!queue.offer(pending)) {
            throw new KubeServeException(ErrorCode.OVERLOADED, "model '" + model + "' is overloaded: its queue of "
                    + (queue.size() + queue.remainingCapacity()) + " requests is full; retry later");
        }
        try {
            return pending.result.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // unclaimed: the batcher will skip it; already running: its rows are dropped when they come
            pending.claimed.set(true);
            throw new KubeServeException(ErrorCode.TIMEOUT, "model '" + model + "' did not answer within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.claimed.set(true);
            throw new KubeServeException(ErrorCode.INTERNAL, "interrupted while waiting for model '" + model + "'");
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /**
     * What the engine threw, as if it had run on the caller's thread: a {@link KubeServeException}
     * keeps its code, any other runtime exception is an engine bug that the caller logs and reports
     * without its message. Only an {@link Error} is wrapped, and its text stays out of the message.
     */
    private static RuntimeException unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        return cause instanceof RuntimeException runtime ? runtime
                : KubeServeException.internal("the engine failed to run the model", cause);
    }

    private void loop() {
        Pending carry = null;
        while (!closed) {
            try {
                Pending first = carry != null ? carry : queue.poll(IDLE_POLL_NANOS, TimeUnit.NANOSECONDS);
                carry = null;
                if (first == null || !first.claimed.compareAndSet(false, true)) {
                    continue;
                }
                List<Pending> batch = new ArrayList<>();
                batch.add(first);
                carry = gather(first, batch);
                execute(batch);
            } catch (InterruptedException e) {
                break;
            }
        }
        if (carry != null) {
            carry.result.completeExceptionally(KubeServeException.notReady("model '" + model + "' was unloaded"));
        }
    }

    /** Adds waiting requests to {@code batch}; returns one that must open the next batch, if any. */
    private Pending gather(Pending first, List<Pending> batch) throws InterruptedException {
        long rows = first.rows;
        long deadline = first.enqueuedNanos + maxDelayNanos;
        while (rows < maxBatchSize && !(isPreferred(rows) && queue.isEmpty())) {
            long wait = deadline - System.nanoTime();
            Pending next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) {
                break;
            }
            if (rows + next.rows > maxBatchSize || !stackable(first, next)) {
                return next;
            }
            if (next.claimed.compareAndSet(false, true)) {
                batch.add(next);
                rows += next.rows;
            }
        }
        return null;
    }

    private boolean isPreferred(long rows) {
        return preferredSizes.length > 0 && Arrays.binarySearch(preferredSizes, (int) Math.min(rows, Integer.MAX_VALUE)) >= 0;
    }

    private static boolean stackable(Pending a, Pending b) {
        for (int i = 0; i < a.inputs.length; i++) {
            if (!TensorBatches.stackable(a.inputs[i], b.inputs[i])) {
                return false;
            }
        }
        return true;
    }

    private void execute(List<Pending> batch) {
        try {
            if (batch.size() == 1) {
                Pending only = batch.get(0);
                only.result.complete(engine.run(only.inputs));
                return;
            }
            Map<String, Tensor> outputs = engine.run(stack(batch));
            long total = 0;
            for (Pending pending : batch) {
                total += pending.rows;
            }
            long offset = 0;
            for (Pending pending : batch) {
                Map<String, Tensor> mine = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
                    Tensor tensor = output.getValue();
                    boolean batched = tensor.rank() > 0 && tensor.dim(0) == total;
                    mine.put(output.getKey(), batched ? TensorBatches.rows(tensor, offset, offset + pending.rows) : tensor);
                }
                offset += pending.rows;
                pending.result.complete(mine);
            }
        } catch (RuntimeException | Error e) {
            for (Pending pending : batch) {
                pending.result.completeExceptionally(e);
            }
        }
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

    /** Requests waiting now. */
    public int queued() {
        return queue.size();
    }

    /** Stops the batching threads; requests still queued fail with {@code MODEL_NOT_READY}. */
    @Override
    public void close() {
        closed = true;
        for (Thread thread : threads) {
            thread.interrupt();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.result.completeExceptionally(KubeServeException.notReady("model '" + model + "' was unloaded"));
        }
    }
}
