package io.kubeserve.core;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.registry.ModelState;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, kinds 1 and 9 in the core: every Open Inference datatype as input and output of an
 * echo model on both engines ({@code models/dtypes}, made by its {@code make_models.py}, right
 * values computed there with numpy). A type an engine cannot take is refused in words naming the
 * type; BYTES elements pass unchanged wherever the engine can carry them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class DataTypesTest {

    /** What the OnnxRuntime Java API cannot create (as inputs; it reads them as outputs). */
    public static final Set<DataType> ONNX_UNSUPPORTED = EnumSet.of(DataType.UINT16, DataType.UINT32, DataType.UINT64);
    /** What DJL's PyTorch engine has no tensors of (INT16 aborts the JVM in its native code). */
    public static final Set<DataType> TORCH_UNSUPPORTED =
            EnumSet.of(DataType.INT16, DataType.UINT16, DataType.UINT32, DataType.UINT64, DataType.BYTES);

    @TempDir
    static Path repo;

    private KubeServe kubeServe;
    private JsonNode expected;

    /**
     * Lays out onnx_TYPE and torch_TYPE echo models, onnx_out_TYPE (FP32 in, an unsigned type the
     * OnnxRuntime Java API cannot read out) and half (field case01) in {@code repo}.
     */
    public static void installAll(Path repo) {
        for (DataType type : DataType.values()) {
            TestModels.install(repo, "dtypes/echo_" + type + ".onnx", "onnx_" + type, "1");
            TestModels.install(repo, "dtypes/echo.pt", "torch_" + type, "1");
            TestModels.write(repo.resolve("torch_" + type + "/config.json"), "{\"inputs\": [{\"name\": \"x\", "
                    + "\"datatype\": \"" + type + "\", \"shape\": [-1, 3]}], \"outputs\": [{\"name\": \"y\", "
                    + "\"datatype\": \"" + type + "\", \"shape\": [-1, 3]}]}");
        }
        for (DataType type : ONNX_UNSUPPORTED) {
            TestModels.install(repo, "dtypes/cast_" + type + ".onnx", "onnx_out_" + type, "1");
        }
        TestModels.install(repo, "dtypes/half.onnx", "half", "1");
    }

    public static JsonNode expected() {
        try (InputStream in = DataTypesTest.class.getResourceAsStream("/models/dtypes/expected.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample [2, 3] tensor of a type, from the little-endian bytes numpy wrote. */
    public static Tensor sample(JsonNode expected, DataType type) {
        if (type == DataType.BYTES) {
            List<String> texts = new ArrayList<>();
            expected.get("BYTES").get("input").forEach(row -> row.forEach(t -> texts.add(t.asText())));
            return Tensor.ofStrings(new long[] {2, 3}, texts.toArray(String[]::new));
        }
        byte[] bytes = HexFormat.of().parseHex(expected.get(type.name()).get("bytes").asText());
        return Tensor.of(type, new long[] {2, 3}, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** BYTES elements that are not text: 0x00 0xff 0xc3 0x28 and friends. */
    public static Tensor rawBytes(JsonNode expected) {
        List<byte[]> elements = new ArrayList<>();
        expected.get("BYTES_RAW").get("elements").forEach(e -> elements.add(HexFormat.of().parseHex(e.asText())));
        return Tensor.ofBytes(new long[] {2, 3}, elements.toArray(byte[][]::new));
    }

    @BeforeAll
    void load() {
        installAll(repo);
        kubeServe = KubeServe.builder().repository(repo).build();
        expected = expected();
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    static Stream<Arguments> echoes() {
        List<Arguments> cases = new ArrayList<>();
        for (DataType type : DataType.values()) {
            if (!ONNX_UNSUPPORTED.contains(type)) {
                cases.add(Arguments.of("onnx", type));
            }
            if (!TORCH_UNSUPPORTED.contains(type)) {
                cases.add(Arguments.of("torch", type));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("echoes")
    void everyDatatypeComesBackAsSent(String engine, DataType type) {
        Tensor x = sample(expected, type);
        InferenceResponse response = kubeServe.predictor(engine + "_" + type).predict(InferenceRequest.of("x", x));
        Tensor y = response.output("y");
        assertThat(y.type()).isEqualTo(type);
        assertThat(y.shape()).containsExactly(2, 3);
        assertThat(y).isEqualTo(x);
        if (type.isFixedSize()) {
            byte[] bytes = new byte[(int) y.byteSize()];
            y.data().duplicate().get(bytes);
            assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(expected.get(type.name()).get("bytes").asText());
        }
    }

    static Stream<Arguments> refusals() {
        List<Arguments> cases = new ArrayList<>();
        ONNX_UNSUPPORTED.forEach(type -> cases.add(Arguments.of("onnx", type)));
        TORCH_UNSUPPORTED.forEach(type -> cases.add(Arguments.of("torch", type)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refusals")
    void aTypeTheEngineCannotTakeIsRefusedByName(String engine, DataType type) {
        String model = engine + "_" + type;
        ModelStatus status = kubeServe.statuses().stream().filter(s -> s.name().equals(model)).findFirst().orElseThrow();
        assertThat(status.state()).isEqualTo(ModelState.FAILED);
        assertThat(status.reason()).contains(type.name()).doesNotContain("java.", "class ", "Exception");
        assertThatThrownBy(() -> kubeServe.predictor(model))
                .isInstanceOfSatisfying(KubeServeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_READY);
                    assertThat(e.getMessage()).contains(type.name()).doesNotContain("java.", "class ");
                });
    }

    /** The Java API reads unsigned 16/32/64-bit outputs, though it cannot make such inputs. */
    @ParameterizedTest
    @MethodSource("unsignedOutputs")
    void unsignedOutputsOfOnnxModelsAreServed(DataType type) {
        JsonNode cast = expected.get("cast");
        Tensor x = Tensor.of(DataType.FP32, new long[] {2, 3}, ByteBuffer.wrap(HexFormat.of().parseHex(cast.get("x_bytes").asText())));
        Tensor y = kubeServe.predictor("onnx_out_" + type).predict(InferenceRequest.of("x", x)).output("y");
        assertThat(y.type()).isEqualTo(type);
        byte[] bytes = new byte[(int) y.byteSize()];
        y.data().duplicate().get(bytes);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(cast.get(type.name()).asText());
    }

    static Stream<DataType> unsignedOutputs() {
        return ONNX_UNSUPPORTED.stream();
    }

    public static Stream<DataType> onnxUnsupported() {
        return ONNX_UNSUPPORTED.stream();
    }

    @Test
    void case01HalfPrecisionInputIsServed() {
        JsonNode half = expected.get("half");
        Tensor x = Tensor.of(DataType.FP16, new long[] {1, 3},
                ByteBuffer.wrap(HexFormat.of().parseHex(half.get("x_bytes").asText())));
        InferenceResponse response = kubeServe.predictor("half").predict(InferenceRequest.of("x", x));
        Tensor y = response.output("y");
        assertThat(y.type()).isEqualTo(DataType.FP16);
        for (int i = 0; i < 3; i++) {
            assertThat(y.getAsDouble(i)).isEqualTo(half.get("y").get(0).get(i).asDouble());
            assertThat(response.output("z").getAsDouble(i)).isEqualTo(half.get("z").get(0).get(i).asDouble());
        }
    }

    @Test
    void textElementsReachOnnxAsTheirUtf8Bytes() {
        Tensor x = sample(expected, DataType.BYTES);
        Tensor y = kubeServe.predictor("onnx_BYTES").predict(InferenceRequest.of("x", x)).output("y");
        for (int i = 0; i < x.size(); i++) {
            assertThat(y.getBytes(i)).isEqualTo(x.getBytes(i));
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedByOnnxNotAltered() {
        Tensor raw = rawBytes(expected);
        assertThatThrownBy(() -> kubeServe.predictor("onnx_BYTES").predict(InferenceRequest.of("x", raw)))
                .isInstanceOfSatisfying(KubeServeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("UTF-8").doesNotContain("java.", "class ");
                });
    }
}
