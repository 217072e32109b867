package io.kubeserve.engine.python;

import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one model version as an {@link EngineRunner}: each call (a request, or a batch the
 * scheduler formed) goes to one idle worker as one round trip. The scheduler runs at most
 * {@code instances} calls at once and there are as many workers, so a call waits for a worker only
 * while one is being restarted.
 *
 * <p>A worker that dies fails the call it was running with {@code INTERNAL} and is restarted in the
 * background (with a growing pause while restarts keep failing); the others keep serving. A worker
 * that has not answered a call within the call timeout is taken for hung: it is killed, the call
 * fails with {@code TIMEOUT}, and it is restarted the same way. Thread-safe.
 * Owns its workers: {@link #close} stops them.
 */
final class WorkerPool implements EngineRunner, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    /** Longest a call waits for a worker while none is alive (all restarting). */
    private static final long WAIT_FOR_WORKER_SECONDS = 60;
    private static final long MAX_RESTART_PAUSE_MILLIS = 30_000;
    /** The watchdog sweeps every tenth of the call timeout, within these bounds. */
    private static final long MIN_SWEEP_MILLIS = 50;
    private static final long MAX_SWEEP_MILLIS = 1_000;

    private final PythonWorker.Launch launch;
    private final Duration callTimeout;
    private final LinkedBlockingQueue<PythonWorker> idle = new LinkedBlockingQueue<>();
    private final Set<PythonWorker> alive = ConcurrentHashMap.newKeySet();
    /** Restarts and the watchdog's sweeps; two threads, so a slow restart does not hold back a sweep. */
    private final ScheduledThreadPoolExecutor restarts;
    private volatile boolean closed;

    private WorkerPool(PythonWorker.Launch launch, Duration callTimeout) {
        this.launch = launch;
        this.callTimeout = callTimeout;
        AtomicInteger threads = new AtomicInteger();
        this.restarts = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "python-" + launch.model() + "-v" + launch.version() + "-watch-"
                    + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // the watchdog looks at the running calls now and then, so a call itself only notes its start
        long sweepMillis = Math.max(MIN_SWEEP_MILLIS, Math.min(MAX_SWEEP_MILLIS, callTimeout.toMillis() / 10));
        restarts.scheduleWithFixedDelay(this::stopOverdue, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /** Kills each live worker whose running call has taken longer than the call timeout. */
    private void stopOverdue() {
        long now = System.nanoTime();
        for (PythonWorker worker : alive) {
            if (!worker.stoppedByWatchdog() && worker.overdue(now, callTimeout.toNanos())) {
                worker.stopHung();
            }
        }
    }

    /**
     * Starts {@code count} workers at once and waits until each has loaded the model.
     *
     * @param callTimeout longest one call may take before its worker is taken for hung and replaced
     * @return the pool, every worker idle
     * @throws KubeServeException when any worker cannot load the model (all are stopped)
     */
    static WorkerPool start(PythonWorker.Launch launch, int count, Duration callTimeout) {
        WorkerPool pool = new WorkerPool(launch, callTimeout);
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 1; i <= count; i++) {
                processes.add(PythonWorker.spawn(launch, i));
            }
            for (int i = 0; i < processes.size(); i++) {
                PythonWorker worker = PythonWorker.awaitLoaded(launch, i + 1, processes.get(i));
                pool.alive.add(worker);
                pool.idle.add(worker);
            }
        } catch (RuntimeException e) {
            processes.forEach(Process::destroyForcibly);
            pool.close();
            throw e;
        }
        return pool;
    }

    /** What the first worker reported at load; every worker loads the same file. */
    com.fasterxml.jackson.databind.JsonNode description() {
        return alive.iterator().next().description();
    }

    /** Process ids of the live workers (for monitoring and tests). */
    List<Long> pids() {
        return alive.stream().map(PythonWorker::pid).toList();
    }

    @Override
    public Map<String, Tensor> run(Tensor[] inputs) {
        PythonWorker worker = takeWorker();
        try {
            Map<String, Tensor> outputs = worker.call(inputs);
            idle.add(worker);
            return outputs;
        } catch (KubeServeException e) {
            idle.add(worker);
            throw e;
        } catch (PythonWorker.Died e) {
            alive.remove(worker);
            worker.close();
            if (worker.stoppedByWatchdog()) {
                double seconds = callTimeout.toMillis() / 1000.0;
                LOG.error("model {} version {}: Python worker {} (pid {}) did not answer a call within {} s; stopped it,"
                        + " restarting it", launch.model(), launch.version(), worker.number(), worker.pid(), seconds);
                scheduleRestart(worker.number(), 0);
                throw new KubeServeException(ErrorCode.TIMEOUT, "model '" + launch.model() + "' did not answer within "
                        + seconds + " s in its Python worker, which was stopped and is being restarted");
            }
            LOG.error("model {} version {}: Python worker {} (pid {}) stopped during a call (exit code {}); restarting it",
                    launch.model(), launch.version(), worker.number(), worker.pid(), e.exitCode);
            scheduleRestart(worker.number(), 0);
            throw new KubeServeException(ErrorCode.INTERNAL, "the Python worker of model '" + launch.model()
                    + "' stopped while running this request; it is being restarted, retry the request");
        } catch (RuntimeException e) {
            // a frame we could not build or read: the worker's state is unknown, so replace it
            alive.remove(worker);
            worker.close();
            scheduleRestart(worker.number(), 0);
            throw KubeServeException.internal("model '" + launch.model() + "' failed in its Python worker", e);
        }
    }

    private PythonWorker takeWorker() {
        try {
            PythonWorker worker = idle.poll(WAIT_FOR_WORKER_SECONDS, TimeUnit.SECONDS);
            if (worker == null) {
                throw KubeServeException.notReady("model '" + launch.model() + "' has no running Python worker"
                        + " (restarting); retry later");
            }
            return worker;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeServeException(ErrorCode.INTERNAL, "interrupted while waiting for a Python worker");
        }
    }

    private void scheduleRestart(int number, long pauseMillis) {
        if (closed) {
            return;
        }
        try {
            restarts.schedule(() -> restart(number, pauseMillis), pauseMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void restart(int number, long lastPauseMillis) {
        if (closed) {
            return;
        }
        try {
            PythonWorker worker = PythonWorker.awaitLoaded(launch, number, PythonWorker.spawn(launch, number));
            if (closed) {
                worker.close();
                return;
            }
            alive.add(worker);
            idle.add(worker);
            LOG.info("model {} version {}: Python worker {} restarted (pid {})", launch.model(), launch.version(),
                    number, worker.pid());
        } catch (RuntimeException e) {
            long pause = Math.min(MAX_RESTART_PAUSE_MILLIS, Math.max(1000, lastPauseMillis * 2));
            LOG.error("model {} version {}: restarting Python worker {} failed ({}); trying again in {} ms",
                    launch.model(), launch.version(), number, e.getMessage(), pause);
            scheduleRestart(number, pause);
        }
    }

    /** Stops every worker (stdin closed, then killed after a grace period) and any pending restart. */
    @Override
    public void close() {
        closed = true;
        restarts.shutdownNow();
        for (PythonWorker worker : alive) {
            worker.close();
        }
        alive.clear();
        idle.clear();
    }
}
