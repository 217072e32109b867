package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2JsonRoundTripTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bare {@code NaN} or {@code Infinity} is not JSON: every JSON protocol refuses it with the rule
 * in our words (values are JSON numbers, non-finite ones are the strings "NaN", "Infinity",
 * "-Infinity"), never with advice to enable a Jackson option.
 */
class NonFiniteJsonTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "V1|{\"instances\": [[1, 2, NaN, 4]]}|NaN",
        "V1|{\"instances\": [[1, 2, Infinity, 4]]}|Infinity",
        "V1|{\"instances\": [[1, 2, -Infinity, 4]]}|-Infinity",
        "V1|{\"instances\": [[1, 2, nan, 4]]}|nan",
        "SEED|{\"features\": [NaN, 1, 2, 3]}|NaN",
        "SEED|{\"data\": [[1, 2, 3, Infinity]]}|Infinity",
        "V2|{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[NaN]}]}|NaN",
        "V2|{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[-Infinity]}]}|-Infinity",
    })
    void bareNonFiniteTokensAreRefusedWithTheProtocolRule(String protocol, String body, String token) {
        assertThatThrownBy(() -> decode(protocol, body))
                .isInstanceOfSatisfying(KubeServeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining("not valid JSON at line 1")
                .hasMessageContaining(token + " is not a JSON number")
                .hasMessageContaining("Tensor values are JSON numbers")
                .hasMessageContaining("\"NaN\", \"Infinity\" or \"-Infinity\"")
                .hasMessageNotContaining("enable")
                .hasMessageNotContaining("Feature")
                .hasMessageNotContaining("Jackson");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"instances\": [[+1, 2, 3, 4]]}",
        "{\"instances\": [[1, 2, 3, 4]] /* comment */}",
        "{'instances': [[1, 2, 3, 4]]}",
        "{\"instances\": [[01, 2, 3, 4]]}",
    })
    void otherJacksonAdviceIsLeftOut(String body) {
        assertThatThrownBy(() -> decode("V1", body))
                .isInstanceOf(KubeServeException.class)
                .hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("enable")
                .hasMessageNotContaining("Feature");
    }

    private static Object decode(String protocol, String body) {
        return switch (protocol) {
            case "V1" -> new V1Codec().decode(utf8(body), Iris.MODEL);
            case "SEED" -> new SeedCodec().decode(utf8(body), Iris.MODEL);
            default -> new V2RequestDecoder().decode(utf8(body));
        };
    }
}
