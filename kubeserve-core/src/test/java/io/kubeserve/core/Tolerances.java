package io.kubeserve.core;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tolerance a reference document states for one of its outputs: its
 * {@code "tolerance": {"<output>": {"abs": <number>}}} field, the limit the framework that wrote
 * the reference values sets, so a test never picks its own.
 */
public final class Tolerances {

    private Tolerances() {
    }

    /**
     * The absolute tolerance {@code tolerance.<output>.abs} of {@code document}.
     *
     * @throws IllegalStateException if the document states none for that output
     */
    public static double absolute(JsonNode document, String output) {
        JsonNode abs = document.path("tolerance").path(output).path("abs");
        if (!abs.isNumber()) {
            throw new IllegalStateException("the reference document states no absolute tolerance for output '"
                    + output + "' (field tolerance." + output + ".abs); its tolerance field is "
                    + document.path("tolerance"));
        }
        return abs.asDouble();
    }
}
