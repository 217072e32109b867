package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.JsonTrees.assertTensor;
import static io.kubeserve.http.codec.JsonTrees.fields;
import static io.kubeserve.http.codec.JsonTrees.longs;
import static io.kubeserve.http.codec.JsonTrees.names;
import static io.kubeserve.http.codec.JsonTrees.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class V2BinaryTest {

    private final V2RequestDecoder decoder = new V2RequestDecoder();
    private final V2ResponseEncoder encoder = new V2ResponseEncoder();

    /** A binary-extension body: the JSON header then the given sections, with the header length. */
    static ByteBuffer binaryBody(String json, byte[]... sections) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        for (byte[] section : sections) {
            out.writeBytes(section);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    static int length(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    static byte[] floatsLe(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    @Test
    void binaryInputsAreSlicesOfTheBodyInInputOrder() {
        String json = "{\"inputs\":["
                + "{\"name\":\"a\",\"shape\":[2],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}},"
                + "{\"name\":\"j\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[-3]},"
                + "{\"name\":\"s\",\"shape\":[2],\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":12}}]}";
        byte[] strings = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(3).put("hé".getBytes(StandardCharsets.UTF_8)).putInt(1).put((byte) 'x').array();
        ByteBuffer body = binaryBody(json, floatsLe(1.5f, -2f), strings);

        V2Request decoded = decoder.decode(body, String.valueOf(length(json)));

        Tensor a = decoded.request().inputs().get("a");
        assertThat(a.toFloatArray()).containsExactly(1.5f, -2f);
        assertThat(decoded.request().inputs().get("j").getByte(0)).isEqualTo((byte) -3);
        assertThat(decoded.request().inputs().get("s").toStringArray()).containsExactly("hé", "x");
        // zero copy: changing the body shows through the tensor
        body.putFloat(length(json), 0f);
        assertThat(a.getFloat(0)).isEqualTo(0f);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.kubeserve.http.codec.V2JsonRoundTripTest#everyDatatype")
    void everyDatatypeRoundTripsThroughBinaryOutputAndInput(Tensor tensor) {
        EncodedBody encoded = encoder.encode(new InferenceResponse(null, "m", "1", Map.of("x", tensor)),
                OutputFormat.BINARY);
        assertThat(encoded.hasBinaryData()).isTrue();
        assertThat(encoded.contentType()).isEqualTo("application/octet-stream");

        // the response header describes the output as a request header would describe the input
        JsonNode header = parse(encoded.body(), 0, encoded.jsonHeaderLength());
        JsonNode output = header.get("outputs").get(0);
        assertThat(output.has("data")).isFalse();
        assertThat(output.get("parameters").get("binary_data_size").isIntegralNumber()).isTrue();
        String requestJson = "{\"inputs\":" + header.get("outputs") + "}";
        byte[] binary = java.util.Arrays.copyOfRange(encoded.body(), encoded.jsonHeaderLength(), encoded.body().length);

        V2Request decoded = decoder.decode(binaryBody(requestJson, binary), length(requestJson));

        assertThat(decoded.request().inputs().get("x")).isEqualTo(tensor);
    }

    @Test
    void perOutputChoiceOverridesTheDefault() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("probabilities", Tensor.ofFloats(new long[] {1, 2}, 0.25f, 0.75f));
        outputs.put("label", Tensor.ofLongs(new long[] {1}, 1));
        V2Request request = decoder.decode(V2JsonRoundTripTest.utf8("{\"inputs\":[{\"name\":\"x\",\"shape\":[0],"
                + "\"datatype\":\"FP32\",\"data\":[]}],\"outputs\":[{\"name\":\"probabilities\","
                + "\"parameters\":{\"binary_data\":true}},{\"name\":\"label\"}]}"));

        EncodedBody encoded = encoder.encode(new InferenceResponse("7", "iris", "1", outputs), request.outputFormat());

        // binary tensor data extension: a binary output has parameters.binary_data_size (its bytes
        // after the JSON header) and no data; the other stays JSON
        JsonNode header = parse(encoded.body(), 0, encoded.jsonHeaderLength());
        assertThat(fields(header)).containsExactlyInAnyOrder("model_name", "model_version", "id", "outputs");
        assertThat(header.get("model_name").asText()).isEqualTo("iris");
        assertThat(header.get("model_version").asText()).isEqualTo("1");
        assertThat(header.get("id").asText()).isEqualTo("7");
        assertThat(names(header.get("outputs"))).containsExactly("probabilities", "label");
        JsonNode probabilities = header.get("outputs").get(0);
        assertThat(fields(probabilities)).containsExactlyInAnyOrder("name", "datatype", "shape", "parameters");
        assertTensor(probabilities, "probabilities", "FP32", 1, 2);
        assertThat(fields(probabilities.get("parameters"))).containsExactly("binary_data_size");
        assertThat(probabilities.get("parameters").get("binary_data_size").asLong()).isEqualTo(2 * Float.BYTES);
        JsonNode label = header.get("outputs").get(1);
        assertThat(fields(label)).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
        assertTensor(label, "label", "INT64", 1);
        assertThat(longs(label.get("data"))).containsExactly(1);
        assertThat(encoded.body()).hasSize(encoded.jsonHeaderLength() + 8);
        ByteBuffer tail = ByteBuffer.wrap(encoded.body(), encoded.jsonHeaderLength(), 8).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(tail.getFloat()).isEqualTo(0.25f);
        assertThat(tail.getFloat()).isEqualTo(0.75f);
    }

    @Test
    void headerLengthCoveringTheWholeBodyIsPlainJson() {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"UINT16\",\"data\":[65535]}]}";

        V2Request decoded = decoder.decode(binaryBody(json), length(json));

        assertThat(decoded.request().inputs().get("x").getAsLong(0)).isEqualTo(65535);
    }

    @Test
    void emptyBinaryTensorsAreAllowed() {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[0,4],\"datatype\":\"FP64\","
                + "\"parameters\":{\"binary_data_size\":0}}]}";

        Tensor x = decoder.decode(binaryBody(json), length(json)).request().inputs().get("x");

        assertThat(x.type()).isEqualTo(DataType.FP64);
        assertThat(x.shape()).containsExactly(0, 4);
        assertThat(x.size()).isZero();
    }

    @Test
    void jsonOnlyResponseIsStillJsonWhenNoOutputIsBinary() {
        EncodedBody encoded = encoder.encode(new InferenceResponse(null, "m", null,
                Map.of("y", Tensor.ofInts(new long[] {1}, 5))), new OutputFormat(true, Map.of("y", false)));

        assertThat(encoded.hasBinaryData()).isFalse();
        JsonNode json = parse(encoded.body());
        // no version and no id were given: the protocol's optional fields are left out
        assertThat(fields(json)).containsExactlyInAnyOrder("model_name", "outputs");
        assertThat(json.get("model_name").asText()).isEqualTo("m");
        assertThat(names(json.get("outputs"))).containsExactly("y");
        assertThat(fields(json.get("outputs").get(0))).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
        assertTensor(json.get("outputs").get(0), "y", "INT32", 1);
        assertThat(longs(json.get("outputs").get(0).get("data"))).containsExactly(5);
    }
}
