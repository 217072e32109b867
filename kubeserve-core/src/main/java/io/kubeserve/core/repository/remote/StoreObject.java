package io.kubeserve.core.repository.remote;

import java.util.Objects;

/**
 * One object of a model store.
 *
 * @param key   path relative to the store's location, {@code /}-separated ({@code iris/1/model.onnx});
 *              not yet validated, see {@link SafePaths}
 * @param size  length in bytes, or -1 when the store does not say
 * @param etag  what changes when the content changes (S3 ETag, HTTP ETag or Last-Modified, an
 *              archive's digest); null when the store offers nothing, which means "always fetch"
 * @param md5   the content's MD5 in lower-case hex when the store vouches for it, else null
 */
public record StoreObject(String key, long size, String etag, String md5) {

    /**
     * Checks that there is a key.
     *
     * @param key  path relative to the store's location, not yet validated
     * @param size length in bytes, or -1
     * @param etag the store's change tag, or null
     * @param md5  lower-case hex MD5 the store vouches for, or null
     * @throws NullPointerException if {@code key} is null
     */
    public StoreObject {
        Objects.requireNonNull(key, "key");
    }

    /** Same key, size and tag: the cached copy of {@code other} is still this object. */
    boolean sameContentAs(StoreObject other) {
        return other != null && etag != null && size == other.size && etag.equals(other.etag);
    }
}
