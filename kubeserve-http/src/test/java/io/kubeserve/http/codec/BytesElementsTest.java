package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2BinaryTest.binaryBody;
import static io.kubeserve.http.codec.V2BinaryTest.length;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12 kind 9, socketless: BYTES elements are bytes. The binary extension carries any bytes
 * both ways untouched (never decoded as text on the way through); JSON strings are UTF-8 text in
 * and out, and an element that is not UTF-8 is refused in JSON rather than altered.
 */
class BytesElementsTest {

    private final V2RequestDecoder decoder = new V2RequestDecoder();
    private final V2ResponseEncoder encoder = new V2ResponseEncoder();

    static Stream<Arguments> elements() {
        return Stream.of(
                Arguments.of("not UTF-8: 00 ff c3 28", List.of(hex("00ffc328"))),
                Arguments.of("lone continuation and truncated sequences", List.of(hex("80"), hex("c3"), hex("e282"))),
                Arguments.of("empty elements", List.of(new byte[0], new byte[0])),
                Arguments.of("UTF-8 with NUL and a 4-byte emoji", List.of("a\u0000b".getBytes(StandardCharsets.UTF_8),
                        "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8))),
                Arguments.of("overlong and surrogate encodings", List.of(hex("c080"), hex("eda080"))),
                Arguments.of("every byte value", List.of(everyByte())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("elements")
    void binaryInEchoedBinaryOutIsByteForByte(String what, List<byte[]> elements) {
        byte[] section = section(elements);
        String json = "{\"inputs\":[{\"name\":\"s\",\"shape\":[" + elements.size() + "],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":" + section.length + "}}]}";

        Tensor s = decoder.decode(binaryBody(json, section), String.valueOf(length(json))).request().inputs().get("s");
        for (int i = 0; i < elements.size(); i++) {
            assertThat(s.getBytes(i)).isEqualTo(elements.get(i));
        }
        EncodedBody echoed = encoder.encode(new InferenceResponse(null, "echo", "1", Map.of("s", s)),
                new OutputFormat(true, Map.of()));
        byte[] tail = Arrays.copyOfRange(echoed.body(), echoed.jsonHeaderLength(), echoed.body().length);
        assertThat(HexFormat.of().formatHex(tail)).isEqualTo(HexFormat.of().formatHex(section));
    }

    @Test
    void jsonStringsAreTheirUtf8Bytes() throws Exception {
        String json = "{\"inputs\":[{\"name\":\"s\",\"shape\":[4],\"datatype\":\"BYTES\","
                + "\"data\":[\"h\u00e9\",\"\\u00e8\",\"a\\u0000b\",\"\uD83D\uDE00\"]}]}";

        Tensor s = decoder.decode(V2JsonRoundTripTest.utf8(json)).request().inputs().get("s");

        assertThat(HexFormat.of().formatHex(s.getBytes(0))).isEqualTo("68c3a9");
        assertThat(HexFormat.of().formatHex(s.getBytes(1))).isEqualTo("c3a8");
        assertThat(HexFormat.of().formatHex(s.getBytes(2))).isEqualTo("610062");
        assertThat(HexFormat.of().formatHex(s.getBytes(3))).isEqualTo("f09f9880");
        String out = V2JsonRoundTripTest.text(encoder.encode(new InferenceResponse(null, "echo", "1", Map.of("s", s)))
                .body());
        // as JSON values (Jackson may escape the emoji as its surrogate pair, which means the same text)
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).at("/outputs/0/data").toString())
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(
                        List.of("h\u00e9", "\u00e8", "a\u0000b", "\uD83D\uDE00")).toString());
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedInJsonNeverAltered() {
        Tensor raw = Tensor.ofBytes(new long[] {2}, new byte[][] {"ok".getBytes(StandardCharsets.UTF_8), hex("00ffc328")});
        InferenceResponse response = new InferenceResponse(null, "echo", "1", Map.of("s", raw));

        assertThatThrownBy(() -> encoder.encode(response))
                .isInstanceOfSatisfying(KubeServeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
                    assertThat(e.getMessage()).contains("UTF-8", "binary_data");
                });
        // the same output asked in binary is fine
        EncodedBody binary = encoder.encode(response, new OutputFormat(true, Map.of()));
        assertThat(HexFormat.of().formatHex(binary.body(), binary.jsonHeaderLength(), binary.body().length))
                .isEqualTo("020000006f6b0400000000ffc328");
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] everyByte() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        return all;
    }

    private static byte[] section(List<byte[]> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] element : elements) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(element.length).array());
            out.writeBytes(element);
        }
        return out.toByteArray();
    }
}
