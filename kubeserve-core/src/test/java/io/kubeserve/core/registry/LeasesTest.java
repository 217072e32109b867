package io.kubeserve.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lease count of one version: refusing, counting, and the wait for the last release. */
class LeasesTest {

    @Test
    void withNoLeaseHeldTheDrainIsImmediate() throws InterruptedException {
        Leases leases = new Leases();
        leases.refuse();
        assertThat(leases.awaitReleased(0, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(leases.tryAcquire()).isFalse();
        assertThat(leases.held()).isZero();
    }

    @Test
    void theDrainWaitsForEveryHeldLeaseAndTimesOutWhileOneIsHeld() throws Exception {
        Leases leases = new Leases();
        assertThat(leases.tryAcquire()).isTrue();
        assertThat(leases.tryAcquire()).isTrue();
        leases.refuse();
        assertThat(leases.closing()).isTrue();
        assertThat(leases.tryAcquire()).isFalse();
        assertThat(leases.held()).isEqualTo(2);
        assertThat(leases.awaitReleased(50, TimeUnit.MILLISECONDS)).isFalse();

        leases.release();
        assertThat(leases.awaitReleased(50, TimeUnit.MILLISECONDS)).isFalse();

        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return leases.awaitReleased(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }, waiter);
            leases.release();
            assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(leases.held()).isZero();
        } finally {
            waiter.shutdownNow();
        }
    }

    @Test
    void manyThreadsTakingAndReleasingLeasesLeaveTheCountAtZero() throws Exception {
        Leases leases = new Leases();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            CompletableFuture<?>[] runs = new CompletableFuture<?>[4];
            for (int t = 0; t < runs.length; t++) {
                runs[t] = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        if (leases.tryAcquire()) {
                            leases.release();
                        }
                    }
                }, threads);
            }
            CompletableFuture.allOf(runs).get(30, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        leases.refuse();
        assertThat(leases.awaitReleased(0, TimeUnit.MILLISECONDS)).isTrue();
    }
}
