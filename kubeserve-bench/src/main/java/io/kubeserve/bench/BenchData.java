package io.kubeserve.bench;

import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Request bodies and responses for the codec benchmarks, built by hand rather than with the codecs
 * under test, so a codec bug cannot make its own input easier.
 */
public final class BenchData {

    /** The iris row used everywhere: a setosa. */
    public static final float[] IRIS_ROW = {5.1f, 3.5f, 1.4f, 0.2f};

    /** The V2 JSON iris request the round-trip benchmark and the load harness send. */
    public static final String IRIS_V2_JSON =
            "{\"inputs\":[{\"name\":\"float_input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[5.1,3.5,1.4,0.2]}]}";

    private BenchData() {
    }

    /**
     * Floats shaped like real activations: normally distributed around zero with a few decimals of
     * spread, so their JSON text is as long as a real client's (small integers would flatter JSON).
     */
    public static float[] randomFloats(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (gaussian(random) * 1.5);
        }
        return values;
    }

    /** {@code {"id":..., "inputs":[{"name", "shape", "datatype":"FP32", "data":[...]}]}} as UTF-8. */
    public static byte[] v2JsonRequest(String input, long[] shape, float[] values) {
        StringBuilder json = new StringBuilder(values.length * 12 + 128);
        json.append("{\"id\":\"bench\",\"inputs\":[{\"name\":\"").append(input).append("\",\"shape\":");
        appendShape(json, shape);
        json.append(",\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(values[i]);
        }
        json.append("]}]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A binary tensor extension body: JSON header declaring {@code binary_data_size}, then the
     * floats little-endian. The header's length is what {@link #jsonHeaderLength} returns.
     */
    public static byte[] v2BinaryRequest(String input, long[] shape, float[] values) {
        byte[] header = v2BinaryHeader(input, shape, values.length);
        ByteBuffer body = ByteBuffer.allocate(header.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        for (float value : values) {
            body.putFloat(value);
        }
        return body.array();
    }

    /** Length of the JSON part of {@link #v2BinaryRequest} for the same arguments. */
    public static int jsonHeaderLength(String input, long[] shape, int count) {
        return v2BinaryHeader(input, shape, count).length;
    }

    /** A model's answer of one FP32 output, as the encoders get it from a predictor. */
    public static InferenceResponse floatResponse(String output, long[] shape, float[] values) {
        return new InferenceResponse("bench", "bench_model", "1", Map.of(output, Tensor.ofFloats(shape, values)));
    }

    /** Parses {@code "64x256"} into {@code {64, 256}}. */
    public static long[] shape(String text) {
        String[] parts = text.split("x");
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            shape[i] = Long.parseLong(parts[i]);
        }
        return shape;
    }

    private static byte[] v2BinaryHeader(String input, long[] shape, int count) {
        StringBuilder json = new StringBuilder(160);
        json.append("{\"id\":\"bench\",\"inputs\":[{\"name\":\"").append(input).append("\",\"shape\":");
        appendShape(json, shape);
        json.append(",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":").append(4L * count)
                .append("}}],\"parameters\":{\"binary_data_output\":true}}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendShape(StringBuilder json, long[] shape) {
        json.append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(shape[i]);
        }
        json.append(']');
    }

    /** Box-Muller; SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }
}
