package io.kubeserve.core.error;

/** Why a call failed, independent of any transport. */
public enum ErrorCode {
    /** The request is wrong: unknown input, shape, datatype, malformed data. */
    INVALID_INPUT,
    /** No model (or version) by that name exists. */
    MODEL_NOT_FOUND,
    /** The model exists but is loading, failed to load, or is being unloaded. */
    MODEL_NOT_READY,
    /** The model's queue is full; the caller may retry later. */
    OVERLOADED,
    /** The request waited or ran longer than its deadline. */
    TIMEOUT,
    /** A valid request for something this build or model does not do. */
    UNSUPPORTED,
    /** A fault on our side (engine error, bug). */
    INTERNAL
}
