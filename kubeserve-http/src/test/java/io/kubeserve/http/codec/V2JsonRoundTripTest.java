package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.JsonTrees.assertTensor;
import static io.kubeserve.http.codec.JsonTrees.fields;
import static io.kubeserve.http.codec.JsonTrees.floats;
import static io.kubeserve.http.codec.JsonTrees.longs;
import static io.kubeserve.http.codec.JsonTrees.names;
import static io.kubeserve.http.codec.JsonTrees.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Float16;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class V2JsonRoundTripTest {

    private final V2RequestDecoder decoder = new V2RequestDecoder();
    private final V2ResponseEncoder encoder = new V2ResponseEncoder();

    static ByteBuffer utf8(String json) {
        return ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
    }

    static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Every datatype with its edge values, as a [2, 2] tensor. */
    static List<Tensor> everyDatatype() {
        long[] shape = {2, 2};
        return List.of(
                Tensor.ofBooleans(shape, true, false, false, true),
                fixed(DataType.UINT8, shape, b -> b.put((byte) 0).put((byte) 1).put((byte) 127).put((byte) 0xff)),
                fixed(DataType.UINT16, shape, b -> b.putShort((short) 0).putShort((short) 1).putShort((short) 0x7fff)
                        .putShort((short) 0xffff)),
                fixed(DataType.UINT32, shape, b -> b.putInt(0).putInt(1).putInt(Integer.MAX_VALUE).putInt(-1)),
                fixed(DataType.UINT64, shape, b -> b.putLong(0).putLong(1).putLong(Long.MAX_VALUE).putLong(-1L)),
                fixed(DataType.INT8, shape, b -> b.put(Byte.MIN_VALUE).put((byte) -1).put((byte) 0).put(Byte.MAX_VALUE)),
                fixed(DataType.INT16, shape, b -> b.putShort(Short.MIN_VALUE).putShort((short) -1).putShort((short) 0)
                        .putShort(Short.MAX_VALUE)),
                Tensor.ofInts(shape, Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE),
                Tensor.ofLongs(shape, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE),
                fixed(DataType.FP16, shape, b -> b.putShort(Float16.fromFloat(1.5f))
                        .putShort(Float16.fromFloat(-65504f)).putShort(Float16.fromFloat(0.000061035156f))
                        .putShort(Float16.fromFloat(0f))),
                Tensor.ofFloats(shape, 0.1f, -3.4028235e38f, 1.4e-45f, 2.5f),
                Tensor.ofDoubles(shape, 0.1, -1.7976931348623157e308, 4.9e-324, Math.PI),
                Tensor.ofStrings(shape, "plain", "ünïcødé", "日本語 \"quoted\"\n", ""));
    }

    static Tensor fixed(DataType type, long[] shape, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer buffer = Tensor.allocate(type, 4);
        fill.accept(buffer);
        return Tensor.of(type, shape, buffer.flip());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyDatatype")
    void responseDataReadsBackAsRequestData(Tensor tensor) {
        InferenceResponse response = new InferenceResponse("r-1", "m", "1", Map.of("x", tensor));
        String json = text(encoder.encode(response).body());

        // a response output carries exactly what a request input needs: name, datatype, shape, data
        String outputs = json.substring(json.indexOf("\"outputs\":") + "\"outputs\":".length(), json.length() - 1);
        V2Request decoded = decoder.decode(utf8("{\"inputs\":" + outputs + "}"));

        assertThat(decoded.request().inputs().get("x")).isEqualTo(tensor);
    }

    @Test
    void nestedDataEqualsFlatData() {
        String flat = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6]}]}";
        String nested = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\","
                + "\"data\":[[1,2,3],[4,5,6]]}]}";

        Tensor a = decoder.decode(utf8(flat)).request().inputs().get("x");
        Tensor b = decoder.decode(utf8(nested)).request().inputs().get("x");

        assertThat(a).isEqualTo(b);
        assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(a.shape()).containsExactly(2, 3);
    }

    @Test
    void responseJsonHasTheProtocolLayout() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("label", Tensor.ofLongs(new long[] {2}, 0, 2));
        outputs.put("score", Tensor.ofFloats(new long[] {2}, Float.NaN, Float.NEGATIVE_INFINITY));
        EncodedBody body = encoder.encode(new InferenceResponse("abc", "iris", "1", outputs));

        assertThat(body.hasBinaryData()).isFalse();
        assertThat(body.contentType()).isEqualTo("application/json");
        assertThat(body.jsonHeaderLength()).isEqualTo(body.body().length);
        // the Open Inference Protocol's response: model_name, model_version, id, outputs; each output
        // with name, datatype, shape and data (row-major, flat)
        JsonNode json = parse(body.body());
        assertThat(fields(json)).containsExactlyInAnyOrder("model_name", "model_version", "id", "outputs");
        assertThat(json.get("model_name").asText()).isEqualTo("iris");
        assertThat(json.get("model_version").asText()).isEqualTo("1");
        assertThat(json.get("id").asText()).isEqualTo("abc");
        assertThat(names(json.get("outputs"))).containsExactly("label", "score");
        JsonNode label = json.get("outputs").get(0);
        assertThat(fields(label)).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
        assertTensor(label, "label", "INT64", 2);
        assertThat(longs(label.get("data"))).containsExactly(0, 2);
        JsonNode score = json.get("outputs").get(1);
        assertThat(fields(score)).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
        assertTensor(score, "score", "FP32", 2);
        // JSON has no NaN or infinity: they are written as strings (and the body parsed strictly)
        assertThat(score.get("data").get(0).isTextual()).isTrue();
        assertThat(floats(score.get("data"))).containsExactly(Float.NaN, Float.NEGATIVE_INFINITY);
    }

    @Test
    void requestKeepsIdInputOrderAndRequestedOutputs() {
        V2Request decoded = decoder.decode(utf8("{\"id\":\"42\",\"parameters\":{\"binary_data_output\":true,"
                + "\"other\":{\"deep\":[1]}},\"inputs\":["
                + "{\"name\":\"b\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1]},"
                + "{\"name\":\"a\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[2]}],"
                + "\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":false}},{\"name\":\"z\"}]}"));

        InferenceRequest request = decoded.request();
        assertThat(request.id()).isEqualTo("42");
        assertThat(request.inputs().keySet()).containsExactly("b", "a");
        assertThat(request.requestedOutputs()).containsExactly("y", "z");
        assertThat(decoded.outputFormat().isBinary("y")).isFalse();
        assertThat(decoded.outputFormat().isBinary("z")).isTrue();
    }

    @Test
    void dataBeforeShapeAndDatatypeIsStillRead() {
        V2Request decoded = decoder.decode(utf8("{\"inputs\":[{\"data\":[[1,2],[3,4]],\"name\":\"x\","
                + "\"shape\":[2,2],\"datatype\":\"INT16\"}]}"));

        Tensor x = decoded.request().inputs().get("x");
        assertThat(x.type()).isEqualTo(DataType.INT16);
        assertThat(x.toLongArray()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void nonFiniteFloatsAndUnsignedMaximaAreReadFromJson() {
        V2Request decoded = decoder.decode(utf8("{\"inputs\":["
                + "{\"name\":\"f\",\"shape\":[3],\"datatype\":\"FP64\",\"data\":[\"NaN\",\"Infinity\",\"-Infinity\"]},"
                + "{\"name\":\"u\",\"shape\":[1],\"datatype\":\"UINT64\",\"data\":[18446744073709551615]},"
                + "{\"name\":\"h\",\"shape\":[1],\"datatype\":\"FP16\",\"data\":[0.333]}]}"));

        Tensor f = decoded.request().inputs().get("f");
        assertThat(f.getDouble(0)).isNaN();
        assertThat(f.getDouble(1)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(f.getDouble(2)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(decoded.request().inputs().get("u").getLong(0)).isEqualTo(-1L);
        assertThat(decoded.request().inputs().get("h").getShort(0)).isEqualTo(Float16.fromFloat(0.333f));
    }

    @Test
    void dataFirstInABufferWithAnOffsetIsFoundAgain() {
        byte[] json = "padding{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[9]},"
                .concat("{\"data\":[[\"p\",\"q\"]],\"datatype\":\"BYTES\",\"name\":\"b\",\"shape\":[1,2]}]}")
                .getBytes(StandardCharsets.UTF_8);

        V2Request decoded = decoder.decode(ByteBuffer.wrap(json, 7, json.length - 7).slice());

        assertThat(decoded.request().inputs().get("b").toStringArray()).containsExactly("p", "q");
        assertThat(decoded.request().inputs().get("a").getByte(0)).isEqualTo((byte) 9);
    }

    @Test
    void directBuffersAndBuffersWithAnOffsetDecodeToo() {
        byte[] json = "xx{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[true]}]}yy"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer offset = ByteBuffer.wrap(json, 2, json.length - 4);
        ByteBuffer direct = ByteBuffer.allocateDirect(json.length - 4).put(json, 2, json.length - 4).flip();

        assertThat(decoder.decode(offset).request().inputs().get("x").getBoolean(0)).isTrue();
        assertThat(decoder.decode(direct).request().inputs().get("x").getBoolean(0)).isTrue();
    }
}
