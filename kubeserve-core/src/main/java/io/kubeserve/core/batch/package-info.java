/**
 * Scheduling engine calls: a concurrency limit with a bounded wait for unbatched models, and the
 * dynamic batcher that stacks concurrent requests into one engine call.
 */
package io.kubeserve.core.batch;
