package io.kubeserve.core.repository.remote;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A place models are kept in that is not a local directory: it lists what is under one location
 * and hands out one object's bytes. Mirroring, checking and caching are the caller's job
 * ({@link CachingModelRepository}), so a store stays small.
 *
 * <p>Implementations are called by one sync at a time and need not be thread-safe beyond that,
 * but must not mind being called from different threads one after the other. Whoever created the
 * store owns it and closes it; {@link CachingModelRepository} closes the store it was given.
 */
public interface ModelStore extends Closeable {

    /**
     * Every object under the location, read from the store now.
     *
     * @return the objects, keys relative to the location and not yet validated (see {@link SafePaths});
     *         empty if the location holds nothing
     * @throws IOException if the store cannot be reached or refuses the listing; the message names
     *                     the location, never credentials
     */
    List<StoreObject> list() throws IOException;

    /**
     * The bytes of one object of the last {@link #list()}. A store that can should fail rather than
     * return other content if the object changed since it was listed (S3 sends {@code If-Match}).
     *
     * @param object an object as {@link #list()} returned it
     * @return a stream of the object's bytes, owned by the caller, who must close it
     * @throws IOException if the object cannot be downloaded or changed since it was listed
     */
    InputStream open(StoreObject object) throws IOException;

    /**
     * The location, for messages.
     *
     * @return {@code s3://bucket/prefix/} or the URL as given; never carries credentials
     */
    String uri();

    /**
     * Name for the model when the location is one model's directory ({@code s3://b/models/iris}
     * holding {@code 1/model.onnx}): its last path segment, without an archive extension.
     *
     * @return a name; {@link CachingModelRepository} checks it against the naming rule
     */
    String defaultModelName();

    /**
     * Releases the store's clients and connections; by default nothing. Streams already returned by
     * {@link #open} are the caller's to close.
     *
     * @throws IOException if releasing fails
     */
    @Override
    default void close() throws IOException {
    }
}
