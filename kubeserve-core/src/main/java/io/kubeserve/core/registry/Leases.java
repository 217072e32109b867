package io.kubeserve.core.registry;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The leases held on one model version, and the wait for the last of them once the version is
 * being retired: a count of holders and a latch that opens when the count is zero after
 * {@link #refuse}. No polling; the thread that releases the last lease opens the latch.
 *
 * <p>Taking and releasing a lease is lock-free: one atomic increment or decrement and one volatile
 * read. Because the count is raised before the closing flag is read, and {@link #refuse} sets the
 * flag before it reads the count, a lease either sees the flag and backs out, or is counted and
 * waited for: none can slip in after the drain began.
 *
 * <p>Why a count and latch rather than a {@link java.util.concurrent.Phaser} with a party per
 * lease: a Phaser holds at most 65,535 parties, and leases are held by queued requests too, whose
 * number the configuration does not bound.
 *
 * <p>Thread-safe.
 */
final class Leases {

    private final AtomicInteger held = new AtomicInteger();
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile boolean closing;

    /** Takes a lease; false (and nothing held) once {@link #refuse} was called. */
    boolean tryAcquire() {
        held.incrementAndGet();
        if (closing) {
            release();
            return false;
        }
        return true;
    }

    /** Gives back one lease taken with {@link #tryAcquire}; call exactly once per lease. */
    void release() {
        if (held.decrementAndGet() == 0 && closing) {
            drained.countDown();
        }
    }

    /** True once {@link #refuse} was called: no lease is granted any more. */
    boolean closing() {
        return closing;
    }

    /** Leases held now; a snapshot, for messages. */
    int held() {
        return Math.max(0, held.get());
    }

    /** Refuses every lease from now on; those held stay valid until released. Idempotent. */
    void refuse() {
        closing = true;
        if (held.get() == 0) {
            drained.countDown();
        }
    }

    /**
     * Waits until every lease held is released, at most {@code timeout}; call after
     * {@link #refuse}, else it waits the whole timeout.
     *
     * @param timeout longest wait, not negative
     * @param unit    unit of {@code timeout}
     * @return true if no lease is held any more; false if the time ran out first
     * @throws InterruptedException if the waiting thread is interrupted (leases stay refused)
     */
    boolean awaitReleased(long timeout, TimeUnit unit) throws InterruptedException {
        return drained.await(timeout, unit);
    }
}
