/**
 * Model repositories kept in an object store (S3-compatible, or a plain HTTP(S) URL to a file or
 * archive) and mirrored into a local cache directory, which a
 * {@link io.kubeserve.core.repository.FileSystemModelRepository} then serves. Every key that comes
 * from the outside is checked before it becomes a path, and every file appears atomically.
 */
package io.kubeserve.core.repository.remote;
