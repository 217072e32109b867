package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Issue 12 kinds 1 and 9 over HTTP: every Open Inference datatype into and out of an echo model,
 * on both engines, over V2 JSON, the V2 binary extension and V1 ({@code
 * kubeserve-core/src/test/resources/models/dtypes}, right values computed by its {@code
 * make_models.py} with numpy); field case01 (FP16); a type an engine cannot take is refused by name;
 * BYTES elements travel the binary extension as the bytes they are.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataTypesServerTest {

    private static final Path DTYPES = Path.of("..", "kubeserve-core", "src", "test", "resources", "models", "dtypes")
            .toAbsolutePath().normalize();
    private static final List<String> TYPES = List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
            "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES");
    private static final Set<String> ONNX_UNSUPPORTED = Set.of("UINT16", "UINT32", "UINT64");
    private static final Set<String> TORCH_UNSUPPORTED = Set.of("INT16", "UINT16", "UINT32", "UINT64", "BYTES");

    @TempDir
    static Path repo;

    private RunningServer server;
    private JsonNode expected;

    @BeforeAll
    void start() throws Exception {
        for (String type : TYPES) {
            copy("echo_" + type + ".onnx", "onnx_" + type, "model.onnx");
            copy("echo.pt", "torch_" + type, "model.pt");
            Files.writeString(repo.resolve("torch_" + type + "/config.json"), "{\"inputs\": [{\"name\": \"x\", "
                    + "\"datatype\": \"" + type + "\", \"shape\": [-1, 3]}], \"outputs\": [{\"name\": \"y\", "
                    + "\"datatype\": \"" + type + "\", \"shape\": [-1, 3]}]}");
        }
        copy("half.onnx", "half", "model.onnx");
        expected = RunningServer.JSON.readTree(DTYPES.resolve("expected.json").toFile());
        server = new RunningServer(ServerConfig.defaults(repo));
    }

    private static void copy(String file, String model, String as) {
        RunningServer.addModel(repo, model, DTYPES.resolve(file), as);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    static Stream<Arguments> served() {
        List<Arguments> cases = new ArrayList<>();
        for (String type : TYPES) {
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
    @MethodSource("served")
    void v2Json(String engine, String type) {
        JsonNode sample = expected.get(type);
        HttpResponse<String> response = server.post("/v2/models/" + engine + "_" + type + "/infer",
                "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + type + "\",\"shape\":[2,3],\"data\":"
                        + sample.get("input") + "}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode y = RunningServer.parse(response.body()).get("outputs").get(0);
        assertThat(y.get("name").asText()).isEqualTo("y");
        assertThat(y.get("datatype").asText()).isEqualTo(type);
        assertThat(y.get("shape").toString()).isEqualTo("[2,3]");
        // V2 answers with flat data, row-major
        assertValues(type, y.get("data"), flat(sample.get("output")));
    }

    private static JsonNode flat(JsonNode rows) {
        com.fasterxml.jackson.databind.node.ArrayNode out = RunningServer.JSON.createArrayNode();
        rows.forEach(row -> row.forEach(out::add));
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("served")
    void v2Binary(String engine, String type) {
        byte[] data = HexFormat.of().parseHex(expected.get(type).get("bytes").asText());
        Binary answer = binary(engine + "_" + type, type, data);
        assertThat(answer.status).as(answer.header).isEqualTo(200);
        JsonNode y = RunningServer.parse(answer.header).get("outputs").get(0);
        assertThat(y.get("datatype").asText()).isEqualTo(type);
        assertThat(y.get("parameters").get("binary_data_size").asInt()).isEqualTo(data.length);
        assertThat(HexFormat.of().formatHex(answer.data)).isEqualTo(HexFormat.of().formatHex(data));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("served")
    void v1(String engine, String type) {
        JsonNode sample = expected.get(type);
        HttpResponse<String> response = server.post("/v1/models/" + engine + "_" + type + ":predict",
                "{\"instances\":" + sample.get("input") + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode predictions = RunningServer.parse(response.body()).get("predictions");
        assertValues(type, predictions, sample.get("output"));
    }

    static Stream<Arguments> refused() {
        List<Arguments> cases = new ArrayList<>();
        ONNX_UNSUPPORTED.forEach(type -> cases.add(Arguments.of("onnx", type)));
        TORCH_UNSUPPORTED.forEach(type -> cases.add(Arguments.of("torch", type)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refused")
    void aTypeTheEngineCannotTakeIsNamedNeverACrash(String engine, String type) {
        HttpResponse<String> response = server.post("/v2/models/" + engine + "_" + type + "/infer",
                "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + type + "\",\"shape\":[2,3],\"data\":"
                        + expected.get(type).get("input") + "}]}");
        assertThat(response.statusCode()).as(response.body()).isIn(400, 501, 503);
        assertThat(RunningServer.parse(response.body()).get("error").asText())
                .contains(type).doesNotContain("java.", "class ", "Exception");
        assertThat(server.get("/v2/health/live").statusCode()).isEqualTo(200);
    }

    // field case01: x FP16 [1, 3] -> y = 2x FP16, z = float32(x)

    @Test
    void case01HalfOverJson() {
        JsonNode half = expected.get("half");
        HttpResponse<String> response = server.post("/v2/models/half/infer",
                "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP16\",\"shape\":[1,3],\"data\":[1.5,-2.25,0.1]}]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode outputs = RunningServer.parse(response.body()).get("outputs");
        for (JsonNode output : outputs) {
            String name = output.get("name").asText();
            assertThat(output.get("datatype").asText()).isEqualTo(name.equals("y") ? "FP16" : "FP32");
            assertValues(output.get("datatype").asText(), output.get("data"), half.get(name).get(0));
        }
    }

    @Test
    void case01HalfOverBinaryAndV1() {
        JsonNode half = expected.get("half");
        Binary answer = binary("half", "FP16", HexFormat.of().parseHex(half.get("x_bytes").asText()));
        assertThat(answer.status).as(answer.header).isEqualTo(200);
        assertThat(HexFormat.of().formatHex(answer.data, 0, 6)).isEqualTo(half.get("y_bytes").asText());
        HttpResponse<String> v1 = server.post("/v1/models/half:predict", "{\"instances\":[[1.5,-2.25,0.1]]}");
        assertThat(v1.statusCode()).as(v1.body()).isEqualTo(200);
        assertThat(server.get("/v2/models/half/ready").statusCode()).isEqualTo(200);
    }

    // kind 9: BYTES are bytes in the binary extension

    @Test
    void utf8TextWithNulAndEmojiPassesTheBinaryExtensionByteForByte() {
        byte[] data = HexFormat.of().parseHex(expected.get("BYTES").get("bytes").asText());
        Binary answer = binary("onnx_BYTES", "BYTES", data);
        assertThat(answer.status).as(answer.header).isEqualTo(200);
        assertThat(HexFormat.of().formatHex(answer.data)).isEqualTo(HexFormat.of().formatHex(data));
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedByAnOnnxModelNeverAltered() {
        byte[] data = HexFormat.of().parseHex(expected.get("BYTES_RAW").get("bytes").asText());
        Binary answer = binary("onnx_BYTES", "BYTES", data);
        assertThat(answer.status).as(answer.header).isEqualTo(400);
        assertThat(RunningServer.parse(answer.header).get("error").asText()).contains("UTF-8");
    }

    private record Binary(int status, String header, byte[] data) {
    }

    /** x [2, 3] (or [1, 3] for half) sent in the binary extension, every output asked back binary. */
    private Binary binary(String model, String type, byte[] data) {
        String rows = model.equals("half") ? "1" : "2";
        String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + type + "\",\"shape\":[" + rows + ",3],"
                + "\"parameters\":{\"binary_data_size\":" + data.length + "}}],"
                + "\"parameters\":{\"binary_data_output\":true}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(json);
        body.writeBytes(data);
        HttpResponse<byte[]> response = server.sendBytes(HttpRequest.newBuilder(server.uri("/v2/models/" + model + "/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(json.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
        byte[] bytes = response.body();
        int length = response.headers().firstValue("Inference-Header-Content-Length").map(Integer::parseInt)
                .orElse(bytes.length);
        byte[] tail = new byte[bytes.length - length];
        System.arraycopy(bytes, length, tail, 0, tail.length);
        return new Binary(response.statusCode(), new String(bytes, 0, length, StandardCharsets.UTF_8), tail);
    }

    /** Nested values against numpy's: integers exactly (UINT64 too), floats at the type's precision. */
    private static void assertValues(String type, JsonNode actual, JsonNode expected) {
        if (expected.isArray()) {
            assertThat(actual.isArray()).as("%s is an array", actual).isTrue();
            assertThat(actual.size()).as("%s", actual).isEqualTo(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertValues(type, actual.get(i), expected.get(i));
            }
            return;
        }
        switch (type) {
            case "BOOL" -> assertThat(actual.isBoolean() ? actual.asBoolean() : actual.asInt() != 0)
                    .as("%s", actual).isEqualTo(expected.asBoolean());
            case "BYTES" -> assertThat(actual.asText()).isEqualTo(expected.asText());
            case "FP16", "FP32" -> assertThat(Float.valueOf((float) actual.asDouble()))
                    .as("%s", actual).isEqualTo((float) expected.asDouble());
            case "FP64" -> assertThat(Double.valueOf(actual.asDouble())).isEqualTo(expected.asDouble());
            default -> {
                assertThat(actual.isIntegralNumber()).as("%s is an integer", actual).isTrue();
                assertThat(actual.bigIntegerValue()).isEqualTo(expected.bigIntegerValue());
            }
        }
    }
}
