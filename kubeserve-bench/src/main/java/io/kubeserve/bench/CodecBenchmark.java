package io.kubeserve.bench;

import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import io.kubeserve.http.codec.OutputFormat;
import io.kubeserve.http.codec.SeedCodec;
import io.kubeserve.http.codec.V2Request;
import io.kubeserve.http.codec.V2RequestDecoder;
import io.kubeserve.http.codec.V2ResponseEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The protocol codecs alone, without HTTP or a model: what a request costs to parse and a response
 * to write, V2 JSON against the V2 binary tensor extension, plus the seed {@code /predict} codec.
 *
 * <p>Binary decoding wraps the body's bytes as the tensor (no copy), while JSON decoding must parse
 * every number; the benchmark reports exactly that difference, since it is what a server pays.
 * Decoded tensors go to the blackhole whole, so no lazy work is skipped.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CodecBenchmark {

    private static final V2RequestDecoder DECODER = new V2RequestDecoder();
    private static final V2ResponseEncoder ENCODER = new V2ResponseEncoder();
    private static final SeedCodec SEED_CODEC = new SeedCodec();

    /** V2 bodies and a response for one tensor shape. */
    @State(Scope.Benchmark)
    public static class V2Data {

        private static final String INPUT = "input";
        private static final String OUTPUT = "output";

        /** One iris-sized row, and a batch of 64 embedding-sized rows. */
        @Param({"1x4", "64x256"})
        public String shape;

        byte[] jsonRequest;
        byte[] binaryRequest;
        int binaryHeaderLength;
        InferenceResponse response;

        @Setup
        public void setUp() {
            long[] dims = BenchData.shape(shape);
            float[] values = BenchData.randomFloats(Tensor.elementCount(dims), 42);
            jsonRequest = BenchData.v2JsonRequest(INPUT, dims, values);
            binaryRequest = BenchData.v2BinaryRequest(INPUT, dims, values);
            binaryHeaderLength = BenchData.jsonHeaderLength(INPUT, dims, values.length);
            response = BenchData.floatResponse(OUTPUT, dims, BenchData.randomFloats(values.length, 7));
        }
    }

    /** A seed {@code features} request and iris's answer to it; separate so it is not run per shape. */
    @State(Scope.Benchmark)
    public static class SeedData {

        byte[] request;
        ModelMetadata iris;
        InferenceResponse response;

        @Setup
        public void setUp() {
            request = "{\"features\":[5.1,3.5,1.4,0.2],\"request_id\":\"r-1\"}".getBytes(StandardCharsets.UTF_8);
            // iris as the ONNX loader describes it: a label column, ZipMap probabilities, class names
            iris = new ModelMetadata("iris", "1", "onnxruntime_onnx",
                    List.of(new TensorSpec("float_input", DataType.FP32, new long[] {-1, 4})),
                    List.of(new TensorSpec("output_label", DataType.INT64, new long[] {-1}),
                            new TensorSpec("output_probability", DataType.FP32, new long[] {-1, 3})),
                    List.of("setosa", "versicolor", "virginica"));
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            outputs.put("output_label", Tensor.ofLongs(new long[] {1}, 0L));
            outputs.put("output_probability", Tensor.ofFloats(new long[] {1, 3}, 0.977f, 0.023f, 0.0000149f));
            response = new InferenceResponse("r-1", "iris", "1", outputs);
        }
    }

    @Benchmark
    public V2Request v2JsonDecode(V2Data data) {
        return DECODER.decode(ByteBuffer.wrap(data.jsonRequest));
    }

    @Benchmark
    public byte[] v2JsonEncode(V2Data data) {
        return ENCODER.encode(data.response, OutputFormat.JSON).body();
    }

    @Benchmark
    public V2Request v2BinaryDecode(V2Data data) {
        return DECODER.decode(ByteBuffer.wrap(data.binaryRequest), data.binaryHeaderLength);
    }

    @Benchmark
    public byte[] v2BinaryEncode(V2Data data) {
        return ENCODER.encode(data.response, OutputFormat.BINARY).body();
    }

    /** One {@code features} row decoded, and its classification encoded with class name and confidence. */
    @Benchmark
    public void seedDecodeEncodeOneRow(SeedData data, Blackhole blackhole) {
        SeedCodec.SeedRequest request = SEED_CODEC.decode(ByteBuffer.wrap(data.request), data.iris);
        blackhole.consume(request);
        blackhole.consume(SEED_CODEC.encode(request, data.response, data.iris));
    }
}
