package io.kubeserve.http.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bodies that Jackson's encoding detection reads as no text at all (a UCS-4 byte order it does not
 * support, from the first four bytes, or a character UTF-32 has no room for) are the client's bad
 * input on every JSON protocol: a 400-class invalid input, never the 500 a fuzzed body once got.
 */
class UnreadableBodyTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        // 00 00 FF FE: the byte order mark of UCS-4 in the 3412 order
        "V1, 0000fffe", "SEED, 0000fffe", "V2, 0000fffe",
        // 00 xx 00 00 with no mark: the 2143 order
        "V1, 007b0000", "SEED, 007b0000", "V2, 007b0000",
        // big-endian UTF-32 "{" then a code point past U+10FFFF
        "V1, 0000007b7fffffff", "SEED, 0000007b7fffffff", "V2, 0000007b7fffffff",
    })
    void isInvalidInputOnEveryProtocol(String protocol, String prefixHex) {
        byte[] prefix = HexFormat.of().parseHex(prefixHex);
        byte[] rest = "{\"x\": 1}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(prefix.length + rest.length).put(prefix).put(rest).flip();
        assertThatThrownBy(() -> decode(protocol, body))
                .isInstanceOfSatisfying(KubeServeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageStartingWith("request body is not valid JSON");
    }

    private static Object decode(String protocol, ByteBuffer body) {
        return switch (protocol) {
            case "V1" -> new V1Codec().decode(body, Iris.MODEL);
            case "SEED" -> new SeedCodec().decode(body, Iris.MODEL);
            default -> new V2RequestDecoder().decode(body);
        };
    }
}
