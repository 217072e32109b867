package io.kubeserve.core.error;

/**
 * The one exception KubeServe throws on purpose. The {@link ErrorCode} decides how a transport
 * reports it (the HTTP module maps it to a status); the message is written for the person who
 * sent the request and never carries a stack trace or internal detail they cannot act on.
 */
public final class KubeServeException extends RuntimeException {

    private final ErrorCode code;

    public KubeServeException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public KubeServeException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static KubeServeException invalidInput(String message) {
        return new KubeServeException(ErrorCode.INVALID_INPUT, message);
    }

    public static KubeServeException modelNotFound(String model) {
        return new KubeServeException(ErrorCode.MODEL_NOT_FOUND, "model '" + model + "' is not known");
    }

    public static KubeServeException notReady(String message) {
        return new KubeServeException(ErrorCode.MODEL_NOT_READY, message);
    }

    public static KubeServeException unsupported(String message) {
        return new KubeServeException(ErrorCode.UNSUPPORTED, message);
    }

    public static KubeServeException internal(String message, Throwable cause) {
        return new KubeServeException(ErrorCode.INTERNAL, message, cause);
    }

    /**
     * What a failed {@link java.util.concurrent.CompletionStage} really failed with: the cause
     * inside any {@link java.util.concurrent.CompletionException} or
     * {@link java.util.concurrent.ExecutionException} wrapping.
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The failure of an asynchronous call, to throw on the caller's thread: a runtime exception as
     * it is (a {@link KubeServeException} keeps its code), anything else as {@code INTERNAL} with its
     * text kept out of the message.
     */
    public static RuntimeException rethrow(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof RuntimeException runtime ? runtime
                : internal("the engine failed to run the model", cause);
    }
}
