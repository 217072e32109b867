package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2JsonRoundTripTest.text;
import static io.kubeserve.http.codec.V2JsonRoundTripTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.spi.Model;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * V1 and seed answers follow what the model is, on real ONNX models through the codecs (no
 * sockets): classifiers answer with their own labels (strings, negative and non-contiguous
 * integers) and probabilities, a score-only model with class names answers with class indices and
 * names, and every other model (one or three regression targets, softmax scores without names,
 * two outputs) with its output values. The models and their right answers are made by
 * {@code src/test/resources/prediction-kinds/make_models.py} with numpy and scikit-learn.
 */
class PredictionKindsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static KubeServe kubeServe;
    private static JsonNode expected;

    enum Protocol { V1, SEED_BATCH, SEED_SINGLE }

    /** What the model is, as the expected values describe it. */
    enum Kind { LABELS, INDICES_WITH_NAMES, VALUES, TWO_OUTPUTS }

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        Path repo = Path.of(PredictionKindsTest.class.getResource("/prediction-kinds/repo").toURI());
        kubeServe = KubeServe.builder().repository(repo).build();
        try (InputStream in = PredictionKindsTest.class.getResourceAsStream("/prediction-kinds/expected.json")) {
            expected = JSON.readTree(in);
        }
    }

    @AfterAll
    static void close() {
        kubeServe.close();
    }

    static Stream<Arguments> table() {
        Map<String, Kind> models = new java.util.LinkedHashMap<>();
        models.put("animals", Kind.LABELS);          // string labels ["bird", "cat", "dog"], ZipMap
        models.put("binneg", Kind.LABELS);           // integer labels [-1, 1], ZipMap
        models.put("sparse", Kind.LABELS);           // integer labels [10, 20, 30], ZipMap
        models.put("scored_labelled", Kind.INDICES_WITH_NAMES); // softmax [N, 3] + labels.txt
        models.put("scored", Kind.VALUES);           // softmax [N, 3], no labels: not known to classify
        models.put("reg1", Kind.VALUES);             // LinearRegressor, 1 target
        models.put("multireg", Kind.VALUES);         // LinearRegressor, 3 targets
        models.put("pipe", Kind.VALUES);             // Scaler -> LinearRegressor, 3 targets
        models.put("twoheads", Kind.TWO_OUTPUTS);    // outputs total [N, 1] and doubled [N, 2]
        List<Arguments> rows = new ArrayList<>();
        models.forEach((model, kind) -> {
            for (Protocol protocol : Protocol.values()) {
                rows.add(Arguments.of(model, kind, protocol));
            }
        });
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} ({1}) over {2}")
    @MethodSource("table")
    void answersFollowWhatTheModelIs(String name, Kind kind, Protocol protocol) throws IOException {
        Model model = kubeServe.model(name);
        JsonNode right = expected.get(name);
        JsonNode x = right.get("X");
        JsonNode answer = switch (protocol) {
            case V1 -> {
                V1Codec codec = new V1Codec();
                InferenceRequest request = codec.decode(utf8("{\"instances\": " + x + "}"), model.metadata());
                InferenceResponse response = model.predictor().predict(request);
                yield JSON.readTree(text(codec.encode(response, model.metadata())));
            }
            case SEED_BATCH, SEED_SINGLE -> {
                SeedCodec codec = new SeedCodec();
                String body = protocol == Protocol.SEED_BATCH ? "{\"data\": " + x + "}"
                        : "{\"features\": " + x.get(0) + "}";
                SeedCodec.SeedRequest request = codec.decode(utf8(body), model.metadata());
                InferenceResponse response = model.predictor().predict(request.request());
                yield JSON.readTree(text(codec.encode(request, response, model.metadata())));
            }
        };
        assertClose(answer, rightAnswer(name, kind, protocol, right), "$", tolerance(kind));
    }

    /**
     * The absolute tolerance expected.json states ({@code tolerance.<key>.abs}) for the values a
     * model of this kind answers with: probabilities, regression values or the two outputs.
     */
    private static double tolerance(Kind kind) {
        String key = switch (kind) {
            case LABELS, INDICES_WITH_NAMES -> "probabilities";
            case VALUES -> "values";
            case TWO_OUTPUTS -> "outputs";
        };
        JsonNode abs = expected.path("tolerance").path(key).path("abs");
        if (!abs.isNumber()) {
            throw new IllegalStateException("expected.json states no absolute tolerance for " + key
                    + " (field tolerance." + key + ".abs)");
        }
        return abs.asDouble();
    }

    /** The whole right answer, built from the framework's values. */
    private static ObjectNode rightAnswer(String name, Kind kind, Protocol protocol, JsonNode right) {
        ObjectNode answer = NODES.objectNode();
        boolean seed = protocol != Protocol.V1;
        boolean single = protocol == Protocol.SEED_SINGLE;
        switch (kind) {
            case LABELS, INDICES_WITH_NAMES -> {
                JsonNode predictions = kind == Kind.LABELS ? right.get("labels") : right.get("indices");
                JsonNode probabilities = right.get("probabilities");
                if (single) {
                    answer.set("prediction", predictions.get(0));
                    answer.put("confidence", max(probabilities.get(0)));
                    answer.put("model_version", "1");
                    if (kind == Kind.INDICES_WITH_NAMES) {
                        answer.set("class_name", right.get("class_names").get(0));
                    }
                } else {
                    answer.set("predictions", predictions);
                    if (!seed) {
                        if (kind == Kind.INDICES_WITH_NAMES) {
                            answer.set("class_names", right.get("class_names"));
                        }
                        answer.set("probabilities", probabilities);
                    }
                }
            }
            case VALUES -> {
                JsonNode values = right.get("values");
                JsonNode rows = seed ? unwrapSingles(values) : values;
                if (single) {
                    answer.set("prediction", rows.get(0));
                } else {
                    answer.set("predictions", rows);
                }
            }
            case TWO_OUTPUTS -> {
                ArrayNode rows = NODES.arrayNode();
                JsonNode outputs = right.get("outputs");
                for (int row = 0; row < right.get("X").size(); row++) {
                    ObjectNode object = rows.addObject();
                    for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> output = it.next();
                        JsonNode value = output.getValue().get(row);
                        object.set(output.getKey(), seed && value.size() == 1 ? value.get(0) : value);
                    }
                }
                if (single) {
                    answer.set("prediction", rows.get(0));
                } else {
                    answer.set("predictions", rows);
                }
            }
        }
        if (single) {
            answer.put("model_version", "1"); // already there for classifiers, where class_name follows it
        } else if (seed) {
            answer.put("model_loaded", true);
        } else {
            answer.put("model_name", name);
            answer.put("model_version", "1");
        }
        return answer;
    }

    /** The seed API writes a one-value row {@code [2.5]} as {@code 2.5}. */
    private static JsonNode unwrapSingles(JsonNode rows) {
        ArrayNode unwrapped = NODES.arrayNode();
        rows.forEach(row -> unwrapped.add(row.isArray() && row.size() == 1 ? row.get(0) : row));
        return unwrapped;
    }

    private static double max(JsonNode row) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode value : row) {
            max = Math.max(max, value.asDouble());
        }
        return max;
    }

    /**
     * Same structure and field order, strings and integers exactly (an integer label stays an
     * integer), floating point values within the tolerance.
     */
    private static void assertClose(JsonNode actual, JsonNode right, String path, double tolerance) {
        if (right.isObject()) {
            assertThat(actual.isObject()).as(path + " is an object: " + actual).isTrue();
            List<String> actualFields = new ArrayList<>();
            actual.fieldNames().forEachRemaining(actualFields::add);
            List<String> rightFields = new ArrayList<>();
            right.fieldNames().forEachRemaining(rightFields::add);
            assertThat(actualFields).as(path + " fields").containsExactlyElementsOf(rightFields);
            for (String field : rightFields) {
                assertClose(actual.get(field), right.get(field), path + "." + field, tolerance);
            }
        } else if (right.isArray()) {
            assertThat(actual.isArray()).as(path + " is an array: " + actual).isTrue();
            assertThat(actual.size()).as(path + " size").isEqualTo(right.size());
            for (int i = 0; i < right.size(); i++) {
                assertClose(actual.get(i), right.get(i), path + "[" + i + "]", tolerance);
            }
        } else if (right.isIntegralNumber()) {
            assertThat(actual.isIntegralNumber()).as(path + " is an integer: " + actual).isTrue();
            assertThat(actual.asLong()).as(path).isEqualTo(right.asLong());
        } else if (right.isNumber()) {
            assertThat(actual.isNumber()).as(path + " is a number: " + actual).isTrue();
            assertThat(actual.asDouble()).as(path).isCloseTo(right.asDouble(),
                    org.assertj.core.data.Offset.offset(tolerance));
        } else if (right.isTextual() || right.isBoolean()) {
            assertThat(actual).as(path).isEqualTo(right);
        } else {
            fail("unexpected right value at " + path + ": " + right);
        }
    }

    /** The decision is the model's own, from what it declares, not from the answer's shape. */
    @ParameterizedTest(name = "{0} is a classifier: {1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "animals,true", "binneg,true", "sparse,true", "scored_labelled,true",
        "scored,false", "reg1,false", "multireg,false", "pipe,false", "twoheads,false"})
    void classifierIsWhatTheModelDeclares(String name, boolean classifier) {
        assertThat(Classification.isClassifier(kubeServe.model(name).metadata())).isEqualTo(classifier);
    }
}
