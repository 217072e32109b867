package io.kubeserve.bench;

import com.google.protobuf.ByteString;
import io.kubeserve.grpc.v2.InferTensorContents;
import io.kubeserve.grpc.v2.ModelInferRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * The one FP32 input tensor a load run sends, with the same values over both protocols: as a gRPC
 * {@code ModelInferRequest} (typed {@code fp32_contents} or {@code raw_input_contents}) and as the
 * REST V2 body that matches it (V2 JSON for typed, the binary tensor data extension for raw).
 *
 * <p>Presets ({@link #preset}):
 * <ul>
 *   <li>{@code iris}: {@code float_input}, shape [1, 4], typed, the setosa row of
 *       {@link BenchData#IRIS_ROW} (repeated row by row when the shape asks for more rows);</li>
 *   <li>{@code wide}: {@code input}, shape [64, 256], raw little-endian contents (64 KiB of
 *       floats), normally distributed values from a fixed seed ({@link BenchData#randomFloats});</li>
 *   <li>{@code wide-typed}: the same tensor as {@code wide}, typed.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; the values array is copied in and never handed out.
 */
public final class LoadInput {

    private final String kind;
    private final String name;
    private final long[] shape;
    private final boolean raw;
    private final float[] values;

    private LoadInput(String kind, String name, long[] shape, boolean raw, float[] values) {
        this.kind = kind;
        this.name = name;
        this.shape = shape.clone();
        this.raw = raw;
        this.values = values.clone();
    }

    /**
     * A preset input.
     *
     * @param kind {@code iris}, {@code wide} or {@code wide-typed}
     * @param inputName the tensor's name, or null for the preset's ({@code float_input} for iris,
     *     {@code input} for the wide ones, as make_wide_mlp.py names it)
     * @param shapeText the shape as {@code RxC} (e.g. {@code 64x4}), or null for the preset's; its
     *     element count decides how many values are sent
     * @param seed the seed of the wide presets' values (iris ignores it)
     * @return the input
     * @throws IllegalArgumentException for an unknown kind or a shape that is not positive integers
     *     joined by {@code x}, or of more than 2^28 elements
     */
    public static LoadInput preset(String kind, String inputName, String shapeText, long seed) {
        String normalized = kind == null ? "" : kind.toLowerCase(Locale.ROOT);
        boolean iris = normalized.equals("iris");
        if (!iris && !normalized.equals("wide") && !normalized.equals("wide-typed")) {
            throw new IllegalArgumentException("unknown --input '" + kind + "': use iris, wide or wide-typed");
        }
        long[] shape = shapeText == null ? (iris ? new long[] {1, 4} : new long[] {64, 256}) : parseShape(shapeText);
        int count = (int) Arrays.stream(shape).reduce(1, Math::multiplyExact);
        float[] values;
        if (iris) {
            values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = BenchData.IRIS_ROW[i % BenchData.IRIS_ROW.length];
            }
        } else {
            values = BenchData.randomFloats(count, seed);
        }
        String name = inputName != null ? inputName : iris ? "float_input" : "input";
        if (name.isBlank()) {
            throw new IllegalArgumentException("the input name must not be blank");
        }
        return new LoadInput(normalized, name, shape, normalized.equals("wide"), values);
    }

    /** {@return the preset this input came from: {@code iris}, {@code wide} or {@code wide-typed}} */
    public String kind() {
        return kind;
    }

    /** {@return the tensor's name} */
    public String name() {
        return name;
    }

    /** {@return the tensor's shape (a copy)} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return true when the tensor travels as raw bytes (gRPC raw contents, REST binary extension)} */
    public boolean raw() {
        return raw;
    }

    /** {@return the number of FP32 elements: the product of the shape} */
    public int elementCount() {
        return values.length;
    }

    /** {@return the shape and form for reports, e.g. {@code 1x4 FP32 typed}} */
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            text.append(i > 0 ? "x" : "").append(shape[i]);
        }
        return text.append(" FP32 ").append(raw ? "raw" : "typed").toString();
    }

    /**
     * The gRPC request for {@code model} (latest version), id {@code bench}; built once and sent
     * unchanged by every call of a run, as wrk sends one body.
     *
     * @param model the model's name
     * @return the request
     */
    public ModelInferRequest grpcRequest(String model) {
        ModelInferRequest.InferInputTensor.Builder tensor = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name).setDatatype("FP32");
        for (long dimension : shape) {
            tensor.addShape(dimension);
        }
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model).setId("bench");
        if (raw) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float value : values) {
                bytes.putFloat(value);
            }
            request.addInputs(tensor).addRawInputContents(ByteString.copyFrom(bytes.flip()));
        } else {
            InferTensorContents.Builder contents = InferTensorContents.newBuilder();
            for (float value : values) {
                contents.addFp32Contents(value);
            }
            request.addInputs(tensor.setContents(contents));
        }
        return request.build();
    }

    /**
     * The REST V2 body with the same tensor: V2 JSON ({@code Content-Type: application/json}) when
     * typed; when raw, the binary tensor data extension (a JSON header that also asks for a binary
     * answer, then the floats little-endian), sent as {@code application/octet-stream} with
     * {@code Inference-Header-Content-Length: }{@link #restJsonHeaderLength()}.
     *
     * @return a new array
     */
    public byte[] restBody() {
        return raw ? BenchData.v2BinaryRequest(name, shape, values) : BenchData.v2JsonRequest(name, shape, values);
    }

    /** {@return bytes of JSON at the start of {@link #restBody()} when raw; -1 when the body is all JSON} */
    public int restJsonHeaderLength() {
        return raw ? BenchData.jsonHeaderLength(name, shape, values.length) : -1;
    }

    private static long[] parseShape(String text) {
        String[] parts = text.trim().split("x", -1);
        long[] shape = new long[parts.length];
        long count = 1;
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Long.parseLong(parts[i]);
            } catch (NumberFormatException e) {
                shape[i] = -1;
            }
            if (shape[i] < 1) {
                throw new IllegalArgumentException("--shape '" + text + "' must be positive integers joined by x, e.g. 64x256");
            }
            count *= shape[i];
            if (count > (1 << 28)) {
                throw new IllegalArgumentException("--shape '" + text + "' has more than 2^28 elements");
            }
        }
        return shape;
    }
}
