package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.JsonTrees.assertTensor;
import static io.kubeserve.http.codec.JsonTrees.fields;
import static io.kubeserve.http.codec.JsonTrees.names;
import static io.kubeserve.http.codec.JsonTrees.parse;
import static io.kubeserve.http.codec.JsonTrees.strings;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Model and server metadata as the Open Inference Protocol defines them ({@code name},
 * {@code versions}, {@code platform}, {@code inputs}/{@code outputs} of {@code name},
 * {@code datatype}, {@code shape}; {@code name}, {@code version}, {@code extensions}), and the
 * error body {@code {"error": message}}, checked on the parsed JSON.
 */
class MetadataAndErrorBodyTest {

    private final V2MetadataEncoder metadata = new V2MetadataEncoder();

    @Test
    void modelMetadataListsVersionsPlatformAndTensorSpecs() {
        JsonNode json = parse(metadata.model(Iris.MODEL, List.of("1", "2")));
        assertThat(fields(json)).containsExactlyInAnyOrder("name", "versions", "platform", "inputs", "outputs");
        assertThat(json.get("name").asText()).isEqualTo("iris");
        assertThat(strings(json.get("versions"))).containsExactly("1", "2");
        assertThat(json.get("platform").asText()).isEqualTo("onnxruntime_onnx");
        assertThat(names(json.get("inputs"))).containsExactly("float_input");
        assertTensor(json.get("inputs").get(0), "float_input", "FP32", -1, 4);
        // -1: a dimension of any size, as the protocol writes it
        assertThat(names(json.get("outputs"))).containsExactly("output_label", "output_probability");
        assertTensor(json.get("outputs").get(0), "output_label", "INT64", -1);
        assertTensor(json.get("outputs").get(1), "output_probability", "FP32", -1, 3);
        for (JsonNode tensor : json.get("outputs")) {
            assertThat(fields(tensor)).containsExactlyInAnyOrder("name", "datatype", "shape");
        }
    }

    @Test
    void modelMetadataDefaultsToItsOwnVersion() {
        assertThat(strings(parse(metadata.model(Iris.MODEL)).get("versions"))).containsExactly("1");
    }

    @Test
    void serverMetadataTakesTheExtensionsGiven() {
        JsonNode json = parse(metadata.server("kubeserve", "0.1.0", List.of("binary_tensor_data", "model_repository")));
        assertThat(fields(json)).containsExactlyInAnyOrder("name", "version", "extensions");
        assertThat(json.get("name").asText()).isEqualTo("kubeserve");
        assertThat(json.get("version").asText()).isEqualTo("0.1.0");
        assertThat(strings(json.get("extensions"))).containsExactly("binary_tensor_data", "model_repository");
    }

    @Test
    void errorMessagesAreEscapedIntoValidJson() throws Exception {
        String message = "input 'x' said \"hi\"\n\tback\\slash \u0001 ünï";

        byte[] body = ErrorBody.encode(message);

        JsonNode parsed = new ObjectMapper().readTree(body);
        assertThat(parsed.get("error").asText()).isEqualTo(message);
        assertThat(parsed.size()).isEqualTo(1);
        // RFC 8259: control characters must be escaped inside a JSON string, so none is left raw
        assertThat(text(body).chars().filter(c -> c < 0x20)).isEmpty();
    }

    @Test
    void nullMessageStillGivesAnErrorField() {
        JsonNode json = parse(ErrorBody.encode(null));
        assertThat(fields(json)).containsExactly("error");
        assertThat(json.get("error").isTextual()).isTrue();
        assertThat(json.get("error").asText()).isEmpty();
    }
}
