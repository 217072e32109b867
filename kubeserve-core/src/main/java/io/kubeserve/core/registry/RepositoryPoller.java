package io.kubeserve.core.registry;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the registry in line with the repository: reads which models and versions exist, applies
 * each model's version policy, and compares the outcome with what is loaded (a version's files
 * are told apart by their {@link Fingerprints}). New and changed versions load beside the serving
 * ones and take over once ready; versions the policy drops and models that left the repository
 * retire. A version that fails to load leaves an older ready one serving in its place.
 *
 * <p>Runs on the calling thread ({@link #syncAll}, {@link #refresh}, {@link #sync}), or on its own
 * daemon thread every few seconds ({@link #pollEvery}). The changes to one model are serialized by
 * that model's entry lock; different models go on in parallel. Thread-safe.
 */
final class RepositoryPoller {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryPoller.class);

    private final ModelRepository repository;
    private final ModelTable table;
    private final VersionLifecycle lifecycle;
    private ScheduledExecutorService schedule;

    /**
     * @param repository where the models are; not owned
     * @param table      the registry's table, which this poller fills and prunes
     * @param lifecycle  loads and retires the versions this poller decides on
     */
    RepositoryPoller(ModelRepository repository, ModelTable table, VersionLifecycle lifecycle) {
        this.repository = repository;
        this.table = table;
        this.lifecycle = lifecycle;
    }

    /** The repository polled, for the registry's explicit load. */
    ModelRepository repository() {
        return repository;
    }

    /**
     * Syncs every model of the repository, {@code parallelism} at a time, and returns when each is
     * ready or failed. One broken model fails alone.
     *
     * @throws KubeServeException {@code INTERNAL} if interrupted, or if syncing threw (a bug: load
     *         failures are reported in the versions' states, not thrown); whatever the repository
     *         throws when it cannot list its models
     */
    void syncAll(int parallelism) {
        List<String> names = repository.modelNames();
        if (names.isEmpty()) {
            LOG.warn("model repository {} holds no models", repository.describe());
        }
        syncAll(names, parallelism);
    }

    /**
     * Syncs every model of the repository one at a time, and unloads the models no longer in it.
     * If the repository cannot be read, logs it and leaves everything as it is.
     */
    void refresh() {
        List<String> names;
        try {
            names = repository.modelNames();
        } catch (KubeServeException e) {
            LOG.warn("cannot read model repository {}: {}; serving what is loaded", repository.describe(), e.getMessage());
            return;
        }
        syncAll(names, 1);
        Set<String> present = new HashSet<>(names);
        for (ModelEntry entry : table.entries()) {
            if (!present.contains(entry.name) && entry.serving != null) {
                LOG.info("model {} is no longer in the repository; unloading it", entry.name);
                retireAll(entry);
            }
        }
    }

    /**
     * Retires every version of a model now, on this thread (each waits for its leases up to the
     * drain timeout); the model stays known, with no version.
     */
    void retireAll(ModelEntry entry) {
        synchronized (entry) {
            List<ModelVersion> versions = entry.versions;
            entry.serving = null;
            for (ModelVersion version : versions) {
                lifecycle.retire(version);
            }
        }
    }

    /** Calls {@link #refresh} every {@code seconds} on a daemon thread; 0 or less, or a second call, does nothing. */
    synchronized void pollEvery(long seconds) {
        if (seconds <= 0 || schedule != null) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(VersionLifecycle.daemonThreads("kubeserve-poll"));
        schedule.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.error("repository poll failed", e);
            }
        }, seconds, seconds, TimeUnit.SECONDS);
    }

    /** Stops polling; a poll under way is interrupted. */
    synchronized void stop() {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    private void syncAll(List<String> names, int parallelism) {
        if (names.size() <= 1 || parallelism <= 1) {
            names.forEach(name -> sync(name, false));
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, names.size()),
                VersionLifecycle.daemonThreads("kubeserve-load"));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String name : names) {
                futures.add(pool.submit(() -> sync(name, false)));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KubeServeException.internal("interrupted while loading models", e);
        } catch (ExecutionException e) {
            throw KubeServeException.internal("model loading failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Makes one model match the repository. Serialized per model; other models go on meanwhile.
     *
     * @param retryFailed load again versions that failed before though their files did not change
     * @return what failed on the way, in the client's words: one entry per failed version, or the
     *         reason the repository entry is unusable; empty if all went well
     */
    List<String> sync(String name, boolean retryFailed) {
        ModelEntry entry = table.entryFor(name);
        List<String> failures = new ArrayList<>();
        synchronized (entry) {
            List<ModelSource> wanted;
            try {
                List<ModelSource> available = repository.versions(name);
                wanted = available.get(0).config().versionPolicy().select(available);
            } catch (KubeServeException e) {
                if (entry.serving != null) {
                    LOG.error("model {}: repository entry unusable ({}); version {} keeps serving", name, e.getMessage(),
                            entry.serving.version);
                } else {
                    entry.publish(List.of(ModelVersion.unusable(name, e.getMessage())));
                    LOG.error("model {} cannot be loaded: {}", name, e.getMessage());
                }
                failures.add(e.getMessage());
                return failures;
            }
            List<ModelVersion> next = new ArrayList<>();
            List<ModelVersion> replaced = new ArrayList<>();
            List<ModelVersion> readyOncePublished = new ArrayList<>();
            for (ModelSource source : wanted) {
                String fingerprint = Fingerprints.of(source);
                ModelVersion current = entry.find(source.version());
                if (current != null && Fingerprints.same(current, fingerprint, source) && current.state != ModelState.UNLOADED
                        && !(retryFailed && current.state == ModelState.FAILED)) {
                    next.add(current);
                    continue;
                }
                ModelVersion loading = new ModelVersion(source, fingerprint);
                if (current == null) {
                    // visible as LOADING meanwhile; a replacement stays hidden until it is ready
                    List<ModelVersion> shown = new ArrayList<>(entry.versions);
                    shown.add(loading);
                    entry.publish(shown);
                }
                // a new version is found by its label as soon as it is ready; a replacement only once published
                ModelVersion loaded = lifecycle.load(loading, current == null);
                if (loaded.state == ModelState.FAILED) {
                    failures.add("version " + loaded.version + ": " + loaded.reason);
                }
                if (loaded.state == ModelState.READY || current == null || !current.ready()) {
                    next.add(loaded);
                    if (current != null) {
                        replaced.add(current);
                        if (loaded.state == ModelState.READY) {
                            readyOncePublished.add(loaded);
                        }
                    }
                } else {
                    // the new files are broken: keep serving what works, and say why
                    current.reason = "reload failed, still serving the previous files: " + loaded.reason;
                    next.add(current);
                }
            }
            // versions that failed to load leave as many older ready ones serving in their place
            long failed = next.stream().filter(version -> version.state == ModelState.FAILED).count();
            for (ModelVersion old : entry.versions) {
                if (next.contains(old) || replaced.contains(old)) {
                    continue;
                }
                if (failed > 0 && old.ready()) {
                    failed--;
                    old.reason = "still serving: a newer version failed to load";
                    next.add(old);
                } else {
                    replaced.add(old);
                }
            }
            entry.publish(next);
            readyOncePublished.forEach(lifecycle::notify);
            for (ModelVersion old : replaced) {
                lifecycle.retireLater(old);
            }
        }
        return failures;
    }
}
