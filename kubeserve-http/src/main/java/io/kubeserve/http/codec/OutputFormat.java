package io.kubeserve.http.codec;

import java.util.Map;

/**
 * How a V2 client wants each output sent back: as JSON {@code data} or as raw bytes after the JSON
 * header (binary tensor extension). {@code binary_data_output: true} in the request parameters sets
 * the default; an output's own {@code "parameters": {"binary_data": ...}} overrides it.
 *
 * @param binaryByDefault whether outputs not named in {@code byOutput} go binary
 * @param byOutput        explicit choices per output name
 */
public record OutputFormat(boolean binaryByDefault, Map<String, Boolean> byOutput) {

    /** Every output as JSON. */
    public static final OutputFormat JSON = new OutputFormat(false, Map.of());

    /** Every output as binary data. */
    public static final OutputFormat BINARY = new OutputFormat(true, Map.of());

    public OutputFormat {
        byOutput = Map.copyOf(byOutput);
    }

    public boolean isBinary(String outputName) {
        Boolean choice = byOutput.get(outputName);
        return choice != null ? choice : binaryByDefault;
    }
}
