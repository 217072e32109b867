package io.kubeserve.grpc;

import io.grpc.Status;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a failure reaches a gRPC client: a {@link KubeServeException} as the status of its
 * {@link ErrorCode} with its message; anything else as {@code INTERNAL} without detail, logged here.
 */
final class GrpcStatuses {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcStatuses.class);

    private GrpcStatuses() {
    }

    /** The status code of an error code, as the protocol's gRPC binding has it. */
    static Status.Code code(ErrorCode code) {
        return switch (code) {
            case INVALID_INPUT -> Status.Code.INVALID_ARGUMENT;
            case MODEL_NOT_FOUND -> Status.Code.NOT_FOUND;
            case MODEL_NOT_READY -> Status.Code.UNAVAILABLE;
            case OVERLOADED -> Status.Code.RESOURCE_EXHAUSTED;
            case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
            case UNSUPPORTED -> Status.Code.UNIMPLEMENTED;
            case CANCELLED -> Status.Code.CANCELLED;
            case INTERNAL -> Status.Code.INTERNAL;
        };
    }

    /** The error code a failure counts as in metrics. */
    static ErrorCode errorCode(Throwable failure) {
        Throwable cause = KubeServeException.unwrap(failure);
        if (cause instanceof CancellationException) {
            return ErrorCode.CANCELLED;
        }
        return cause instanceof KubeServeException e ? e.code() : ErrorCode.INTERNAL;
    }

    /** The status to answer {@code failure} with; {@code what} names the call for the log. */
    static Status of(Throwable failure, String what) {
        Throwable cause = KubeServeException.unwrap(failure);
        if (cause instanceof KubeServeException e) {
            if (e.code() == ErrorCode.INTERNAL) {
                LOG.error("{} failed: {}", what, e.getMessage(), e.getCause());
            }
            return Status.fromCode(code(e.code())).withDescription(e.getMessage());
        }
        if (cause instanceof CancellationException) {
            return Status.CANCELLED.withDescription("the request was cancelled");
        }
        LOG.error("{} failed", what, cause);
        return Status.INTERNAL.withDescription("internal error; see the server log");
    }
}
