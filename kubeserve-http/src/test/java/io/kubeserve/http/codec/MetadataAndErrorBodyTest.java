package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2JsonRoundTripTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataAndErrorBodyTest {

    private final V2MetadataEncoder metadata = new V2MetadataEncoder();

    @Test
    void modelMetadataListsVersionsPlatformAndTensorSpecs() {
        assertThat(text(metadata.model(Iris.MODEL, List.of("1", "2")))).isEqualTo("{\"name\":\"iris\","
                + "\"versions\":[\"1\",\"2\"],\"platform\":\"onnxruntime_onnx\","
                + "\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[-1,4]}],"
                + "\"outputs\":[{\"name\":\"output_label\",\"datatype\":\"INT64\",\"shape\":[-1]},"
                + "{\"name\":\"output_probability\",\"datatype\":\"FP32\",\"shape\":[-1,3]}]}");
    }

    @Test
    void modelMetadataDefaultsToItsOwnVersion() {
        assertThat(text(metadata.model(Iris.MODEL))).contains("\"versions\":[\"1\"]");
    }

    @Test
    void serverMetadataTakesTheExtensionsGiven() {
        assertThat(text(metadata.server("kubeserve", "0.1.0", List.of("binary_tensor_data", "model_repository"))))
                .isEqualTo("{\"name\":\"kubeserve\",\"version\":\"0.1.0\","
                        + "\"extensions\":[\"binary_tensor_data\",\"model_repository\"]}");
    }

    @Test
    void errorMessagesAreEscapedIntoValidJson() throws Exception {
        String message = "input 'x' said \"hi\"\n\tback\\slash \u0001 ünï";

        byte[] body = ErrorBody.encode(message);

        JsonNode parsed = new ObjectMapper().readTree(body);
        assertThat(parsed.get("error").asText()).isEqualTo(message);
        assertThat(parsed.size()).isEqualTo(1);
        assertThat(text(body)).contains("\\\"hi\\\"").contains("\\n").contains("\\u0001");
    }

    @Test
    void nullMessageStillGivesAnErrorField() {
        assertThat(text(ErrorBody.encode(null))).isEqualTo("{\"error\":\"\"}");
    }
}
