package io.kubeserve.core.spi;

/**
 * What monitoring sees of a model version's scheduler: how many requests wait and run, and, through
 * an {@link Observer}, how long each waited and each execution took. The vocabulary is Triton's:
 * a request is one inference call as a client sent it; an <em>execution</em> is one engine call,
 * which dynamic batching may make for several requests at once.
 *
 * <p>Implementations are thread-safe; the getters are cheap enough to read on every scrape.
 */
public interface Scheduler {

    /**
     * Requests accepted and waiting for an execution now.
     *
     * @return a count of requests (not rows), zero or more; a snapshot that may change at once
     */
    int queueDepth();

    /**
     * Requests accepted and not answered yet: waiting or in an execution.
     *
     * @return a count of requests, at least {@link #queueDepth()}; a snapshot
     */
    int inFlight();

    /**
     * Sets the one observer of this scheduler (replacing any earlier one). Its methods are called
     * on the threads that run executions, so they must be fast and must not block.
     *
     * @param observer the callbacks; the scheduler keeps a reference until replaced
     */
    void observe(Observer observer);

    /** Callbacks from the scheduler; every duration is in nanoseconds. */
    interface Observer {

        /**
         * A request left the queue for an execution.
         *
         * @param queueNanos how long it waited, in nanoseconds
         */
        void dequeued(long queueNanos);

        /**
         * An execution ran {@code requests} requests holding {@code rows} rows (the batch size, in
         * inferences) and took {@code computeNanos}, input stacking and output splitting included.
         *
         * @param requests     requests served by the execution, one or more
         * @param rows         rows in the batch (the sum of the requests' first dimensions)
         * @param computeNanos wall time of the execution, in nanoseconds
         */
        void executed(int requests, long rows, long computeNanos);
    }
}
