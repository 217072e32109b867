package io.kubeserve.http.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Encoded bodies parsed back into trees, so that tests assert what the protocols define (field
 * names, JSON types, values) and not the bytes one encoder happens to write (field order, spacing,
 * how a number is spelled). Parsing is strict: a body with a bare {@code NaN} is not JSON and fails.
 */
final class JsonTrees {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonTrees() {
    }

    static JsonNode parse(byte[] body) {
        return parse(body, 0, body.length);
    }

    /** The JSON document in {@code body[offset, offset + length)} (a binary body's JSON header). */
    static JsonNode parse(byte[] body, int offset, int length) {
        try {
            return JSON.readTree(new String(body, offset, length, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + new String(body, offset, length, StandardCharsets.UTF_8), e);
        }
    }

    /** The field names of an object, in any order (JSON objects are unordered). */
    static Set<String> fields(JsonNode object) {
        assertThat(object.isObject()).as("an object: %s", object).isTrue();
        Set<String> names = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A flat array of JSON integers. */
    static long[] longs(JsonNode array) {
        assertThat(array.isArray()).as("an array: %s", array).isTrue();
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            assertThat(array.get(i).isIntegralNumber()).as("an integer: %s", array.get(i)).isTrue();
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    /**
     * A flat array of numbers read as FP32 (so {@code 0.97} reads back as {@code 0.97f}); the
     * non-finite values, which JSON cannot write as numbers, as the strings {@code "NaN"},
     * {@code "Infinity"} and {@code "-Infinity"}.
     */
    static float[] floats(JsonNode array) {
        double[] doubles = doubles(array);
        float[] values = new float[doubles.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) doubles[i];
        }
        return values;
    }

    /** A flat array of numbers as FP64, non-finite values as in {@link #floats}. */
    static double[] doubles(JsonNode array) {
        assertThat(array.isArray()).as("an array: %s", array).isTrue();
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = array.get(i);
            if (value.isTextual()) {
                assertThat(value.asText()).isIn("NaN", "Infinity", "-Infinity");
                values[i] = Double.parseDouble(value.asText());
            } else {
                assertThat(value.isNumber()).as("a number: %s", value).isTrue();
                values[i] = value.asDouble();
            }
        }
        return values;
    }

    /** A flat array of JSON strings. */
    static List<String> strings(JsonNode array) {
        assertThat(array.isArray()).as("an array: %s", array).isTrue();
        List<String> values = new ArrayList<>();
        for (JsonNode value : array) {
            assertThat(value.isTextual()).as("a string: %s", value).isTrue();
            values.add(value.asText());
        }
        return values;
    }

    /** The names of the tensors of a V2 {@code inputs} or {@code outputs} array, in order. */
    static List<String> names(JsonNode tensors) {
        assertThat(tensors.isArray()).as("an array: %s", tensors).isTrue();
        List<String> names = new ArrayList<>();
        tensors.forEach(tensor -> names.add(tensor.get("name").asText()));
        return names;
    }

    /** The tensor named {@code name} of a V2 {@code inputs} or {@code outputs} array. */
    static JsonNode named(JsonNode tensors, String name) {
        for (JsonNode tensor : tensors) {
            if (tensor.path("name").asText().equals(name)) {
                return tensor;
            }
        }
        throw new AssertionError("no tensor named '" + name + "' in " + tensors);
    }

    /**
     * A V2 tensor as the Open Inference Protocol describes one: {@code name}, {@code datatype},
     * {@code shape}, and either {@code data} or (binary) {@code parameters.binary_data_size}.
     */
    static void assertTensor(JsonNode tensor, String name, String datatype, long... shape) {
        assertThat(tensor.get("name").asText()).isEqualTo(name);
        assertThat(tensor.get("datatype").asText()).as(name).isEqualTo(datatype);
        assertThat(longs(tensor.get("shape"))).as(name).containsExactly(shape);
    }
}
