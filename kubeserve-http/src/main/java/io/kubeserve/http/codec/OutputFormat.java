package io.kubeserve.http.codec;

import java.util.Map;

/**
 * How a V2 client wants each output sent back: as JSON {@code data} or as raw bytes after the JSON
 * header (binary tensor extension). {@code binary_data_output: true} in the request parameters sets
 * the default; an output's own {@code "parameters": {"binary_data": ...}} overrides it (Open
 * Inference Protocol, binary tensor data extension: "binary_data_output" and "binary_data"
 * parameters). Immutable and thread-safe.
 *
 * @param binaryByDefault whether outputs not named in {@code byOutput} go binary
 * @param byOutput        explicit choices per output name
 */
public record OutputFormat(boolean binaryByDefault, Map<String, Boolean> byOutput) {

    /** Every output as JSON. */
    public static final OutputFormat JSON = new OutputFormat(false, Map.of());

    /** Every output as binary data. */
    public static final OutputFormat BINARY = new OutputFormat(true, Map.of());

    /**
     * Copies the per-output choices.
     *
     * @param binaryByDefault whether outputs not named in {@code byOutput} go binary
     * @param byOutput        explicit choices per output name; no null keys or values
     */
    public OutputFormat {
        byOutput = Map.copyOf(byOutput);
    }

    /**
     * How one output is to be sent.
     *
     * @param outputName the output's name
     * @return true to send it as raw bytes after the JSON header, false as JSON {@code data}
     */
    public boolean isBinary(String outputName) {
        Boolean choice = byOutput.get(outputName);
        return choice != null ? choice : binaryByDefault;
    }
}
