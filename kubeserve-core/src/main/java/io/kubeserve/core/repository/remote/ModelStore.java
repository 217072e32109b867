package io.kubeserve.core.repository.remote;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A place models are kept in that is not a local directory: it lists what is under one location
 * and hands out one object's bytes. Mirroring, checking and caching are the caller's job
 * ({@link CachingModelRepository}), so a store stays small.
 */
public interface ModelStore extends Closeable {

    /** Every object under the location. Keys are relative to it and not yet validated. */
    List<StoreObject> list() throws IOException;

    /** The bytes of one object of the last {@link #list()}. */
    InputStream open(StoreObject object) throws IOException;

    /** The location, for messages ({@code s3://bucket/prefix}). Never carries credentials. */
    String uri();

    /**
     * Name for the model when the location is one model's directory ({@code s3://b/models/iris}
     * holding {@code 1/model.onnx}): its last path segment, without an archive extension.
     */
    String defaultModelName();

    @Override
    default void close() throws IOException {
    }
}
