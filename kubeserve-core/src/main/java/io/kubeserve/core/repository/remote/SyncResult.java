package io.kubeserve.core.repository.remote;

/**
 * What one sync did.
 *
 * @param fetched   files downloaded (new or changed)
 * @param bytes     bytes downloaded
 * @param unchanged files already in the cache and kept
 * @param removed   files deleted because the store no longer has them
 * @param millis    wall time of the sync
 */
public record SyncResult(int fetched, long bytes, int unchanged, int removed, long millis) {
}
