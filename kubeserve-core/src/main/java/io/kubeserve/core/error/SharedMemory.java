package io.kubeserve.core.error;

/**
 * Triton's shared-memory extensions (docs/protocol/extension_shared_memory.md in
 * triton-inference-server/server), which KubeServe does not implement: a tensor whose parameters
 * name a {@value #PARAMETER} lives in a region the client registered, not in the request or the
 * response. Both protocol adapters refuse such a tensor with the same {@code UNSUPPORTED} words
 * (HTTP 501, gRPC UNIMPLEMENTED), so a Triton client learns what to send instead.
 */
public final class SharedMemory {

    /** The tensor parameter naming the shared-memory region that holds the tensor. */
    public static final String PARAMETER = "shared_memory_region";

    private SharedMemory() {
    }

    /**
     * The refusal of an input in shared memory.
     *
     * @param input   the input's name
     * @param instead where the protocol carries the values instead, for the message
     * @return an {@code UNSUPPORTED} exception naming the input and the parameter
     */
    public static KubeServeException input(String input, String instead) {
        return KubeServeException.unsupported("input '" + input + "' is in shared memory (parameter " + PARAMETER
                + "), and KubeServe does not implement the shared-memory extensions; send its values in " + instead);
    }

    /**
     * The refusal of an output asked for in shared memory.
     *
     * @param output the output's name
     * @return an {@code UNSUPPORTED} exception naming the output and the parameter
     */
    public static KubeServeException output(String output) {
        return KubeServeException.unsupported("output '" + output + "' is asked for in shared memory (parameter "
                + PARAMETER + "), and KubeServe does not implement the shared-memory extensions; leave the"
                + " parameter out to get it in the response");
    }
}
