package io.kubeserve.core.error;

/**
 * The one exception KubeServe throws on purpose. The {@link ErrorCode} decides how a transport
 * reports it (the HTTP module maps it to a status); the message is written for the person who
 * sent the request and never carries a stack trace or internal detail they cannot act on.
 *
 * <p>Immutable once built, so safe to hand between threads (asynchronous calls complete their stage
 * with it).
 */
public final class KubeServeException extends RuntimeException {

    /** Why the call failed; kept in the serialized form. */
    private final ErrorCode code;

    /**
     * A failure with no underlying cause.
     *
     * @param code    why it failed; decides the transport's status
     * @param message what went wrong, for the person who sent the request
     */
    public KubeServeException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * A failure caused by another exception, kept for logs; its text is not repeated in the message.
     *
     * @param code    why it failed
     * @param message what went wrong, for the person who sent the request
     * @param cause   the underlying exception; may be null
     */
    public KubeServeException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /**
     * Why the call failed.
     *
     * @return the code given at construction; never null when constructed through the factories
     */
    public ErrorCode code() {
        return code;
    }

    /**
     * A wrong request.
     *
     * @param message what is wrong and what was expected
     * @return an {@link ErrorCode#INVALID_INPUT} exception, to throw
     */
    public static KubeServeException invalidInput(String message) {
        return new KubeServeException(ErrorCode.INVALID_INPUT, message);
    }

    /**
     * An unknown model.
     *
     * @param model the name asked for; quoted in the message
     * @return a {@link ErrorCode#MODEL_NOT_FOUND} exception, to throw
     */
    public static KubeServeException modelNotFound(String model) {
        return new KubeServeException(ErrorCode.MODEL_NOT_FOUND, "model '" + model + "' is not known");
    }

    /**
     * A model that exists but cannot serve now.
     *
     * @param message why: loading, failed to load (with the reason), or being unloaded
     * @return a {@link ErrorCode#MODEL_NOT_READY} exception, to throw
     */
    public static KubeServeException notReady(String message) {
        return new KubeServeException(ErrorCode.MODEL_NOT_READY, message);
    }

    /**
     * A valid request for something this build or model does not do.
     *
     * @param message what is not supported and, where there is one, the alternative
     * @return an {@link ErrorCode#UNSUPPORTED} exception, to throw
     */
    public static KubeServeException unsupported(String message) {
        return new KubeServeException(ErrorCode.UNSUPPORTED, message);
    }

    /**
     * A fault on the server's side.
     *
     * @param message what failed, without internal detail
     * @param cause   the underlying exception, kept for logs
     * @return an {@link ErrorCode#INTERNAL} exception, to throw
     */
    public static KubeServeException internal(String message, Throwable cause) {
        return new KubeServeException(ErrorCode.INTERNAL, message, cause);
    }

    /**
     * What a failed {@link java.util.concurrent.CompletionStage} really failed with: the cause
     * inside any {@link java.util.concurrent.CompletionException} or
     * {@link java.util.concurrent.ExecutionException} wrapping.
     *
     * @param failure what the stage or future failed with; may itself be the cause
     * @return the innermost cause below those wrappers, or {@code failure} when it is none
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
     *
     * @param failure what the stage or future failed with, wrapped or not
     * @return the exception to throw (the caller throws it)
     */
    public static RuntimeException rethrow(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof RuntimeException runtime ? runtime
                : internal("the engine failed to run the model", cause);
    }
}
