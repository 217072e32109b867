package io.kubeserve.core.error;

/**
 * Why a call failed, independent of any transport. The HTTP module maps each code to one status
 * (see each constant); the Open Inference Protocol itself defines only the error body
 * ({@code {"error": "..."}}), not the codes, so these are KubeServe's own.
 */
public enum ErrorCode {
    /** The request is wrong: unknown input, shape, datatype, malformed data. HTTP 400. */
    INVALID_INPUT,
    /** No model (or version) by that name exists. HTTP 404. */
    MODEL_NOT_FOUND,
    /** The model exists but is loading, failed to load, or is being unloaded. HTTP 503 with {@code Retry-After}. */
    MODEL_NOT_READY,
    /** The model's queue is full; the caller may retry later. HTTP 503 with {@code Retry-After}. */
    OVERLOADED,
    /** The request waited or ran longer than its deadline. HTTP 504. */
    TIMEOUT,
    /** A valid request for something this build or model does not do. HTTP 501. */
    UNSUPPORTED,
    /**
     * The caller gave up before the answer: it cancelled, or its call or connection went away.
     * Nothing reaches that caller; the code counts such requests. HTTP 499, the status nginx logs for
     * a client that closed its request.
     */
    CANCELLED,
    /** A fault on our side (engine error, bug); the message leaves out internal detail, the cause keeps it. HTTP 500. */
    INTERNAL
}
