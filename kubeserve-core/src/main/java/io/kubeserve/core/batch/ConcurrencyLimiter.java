package io.kubeserve.core.batch;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs at most {@code instances} engine calls at once on the callers' own threads, lets a bounded
 * number wait for a slot, and refuses the rest at once with {@code OVERLOADED}: a burst can never
 * queue unbounded work or oversubscribe the cores the engine's own threads use.
 */
public final class ConcurrencyLimiter implements EngineRunner {

    private final EngineRunner engine;
    private final String model;
    private final Semaphore slots;
    private final int maxWaiting;
    private final long timeoutNanos;
    private final AtomicInteger waiting = new AtomicInteger();

    public ConcurrencyLimiter(EngineRunner engine, String model, int instances, int maxWaiting, long timeoutMillis) {
        this.engine = engine;
        this.model = model;
        // unfair: a released slot goes to a running thread rather than waking a parked one
        this.slots = new Semaphore(instances, false);
        this.maxWaiting = maxWaiting;
        this.timeoutNanos = timeoutMillis > 0 ? TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : Long.MAX_VALUE;
    }

    @Override
    public Map<String, Tensor> run(Tensor[] inputs) {
        if (!slots.tryAcquire()) {
            awaitSlot();
        }
        try {
            return engine.run(inputs);
        } finally {
            slots.release();
        }
    }

    private void awaitSlot() {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            throw new KubeServeException(ErrorCode.OVERLOADED, "model '" + model + "' is overloaded: " + maxWaiting
                    + " requests are already waiting; retry later");
        }
        try {
            if (!slots.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                throw new KubeServeException(ErrorCode.TIMEOUT, "model '" + model + "' did not get to the request within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeServeException(ErrorCode.INTERNAL, "interrupted while waiting for model '" + model + "'");
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** Requests waiting for a slot now. */
    public int waiting() {
        return waiting.get();
    }
}
