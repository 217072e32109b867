package io.kubeserve.core;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
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
 * Issue 12, kind 3 (field case07): what a TorchScript module returns (a tuple, a list, a
 * {@code Dict[str, Tensor]}, a tuple holding a tuple or a dict) is bound to the configured outputs,
 * a dict's tensors by key, the rest in order; a declared name, count or datatype the module does
 * not return fails the load naming both. Models and right values: {@code models/outputs/make_models.py}
 * (torch).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TorchScriptOutputsTest {

    private static final String INPUT = "\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [-1, 4]}]";
    private static final String PROBS = "{\"name\": \"probs\", \"datatype\": \"FP32\", \"shape\": [-1, 3]}";
    private static final String LABEL = "{\"name\": \"label\", \"datatype\": \"INT64\", \"shape\": [-1]}";
    private static final String SUM = "{\"name\": \"sum\", \"datatype\": \"FP64\", \"shape\": [-1]}";
    private static final String LOGITS = "{\"name\": \"logits\", \"datatype\": \"FP32\", \"shape\": [-1, 3]}";

    @TempDir
    static Path repo;

    private KubeServe kubeServe;
    private JsonNode expected;

    @BeforeAll
    void load() throws IOException {
        model("tuple_net", "tuple_net", PROBS, LABEL);
        model("list_net", "list_net", PROBS, LABEL);
        model("dict_net", "dict_net", PROBS, LABEL);
        // field case07's dict_rev: the config lists the outputs in the other order than the dict
        model("dict_rev", "dict_net", LABEL, PROBS);
        model("nested_net", "nested_net", SUM, PROBS, LABEL);
        model("nested_net_rev", "nested_net", LABEL, SUM, PROBS);
        model("nested_tuple_net", "nested_tuple_net", PROBS, LABEL, LOGITS);
        model("dict_noout", "dict_net");
        model("tuple_noout", "tuple_net");
        // load errors
        model("dict_badkeys", "dict_net", "{\"name\": \"scores\", \"datatype\": \"FP32\", \"shape\": [-1, 3]}",
                "{\"name\": \"cls\", \"datatype\": \"INT64\", \"shape\": [-1]}");
        model("tuple_wrongtype", "tuple_net", PROBS, "{\"name\": \"label\", \"datatype\": \"FP32\", \"shape\": [-1]}");
        model("dict_wrongtype", "dict_net", "{\"name\": \"probs\", \"datatype\": \"FP64\", \"shape\": [-1, 3]}", LABEL);
        model("tuple_wrongrank", "tuple_net", PROBS, "{\"name\": \"label\", \"datatype\": \"INT64\", \"shape\": [-1, 1]}");
        model("tuple_wrongcount", "tuple_net", PROBS, LABEL, LOGITS);
        model("dict_of_dict", "dict_of_dict_net", PROBS, LABEL);
        model("dict_of_dict_noout", "dict_of_dict_net");
        kubeServe = KubeServe.builder().repository(repo).build();
        try (InputStream in = getClass().getResourceAsStream("/models/outputs/expected.json")) {
            expected = new ObjectMapper().readTree(in);
        }
    }

    private static void model(String name, String file, String... outputs) {
        TestModels.install(repo, "outputs/" + file + ".pt", name, "1");
        String config = "{\"engine\": \"pytorch\", " + INPUT
                + (outputs.length == 0 ? "" : ", \"outputs\": [" + String.join(", ", outputs) + "]") + "}";
        TestModels.write(repo.resolve(name).resolve("config.json"), config);
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    static Stream<Arguments> served() {
        return Stream.of(
                Arguments.of("tuple_net", "tuple_net", List.of("probs", "label")),
                Arguments.of("list_net", "list_net", List.of("probs", "label")),
                Arguments.of("dict_net", "dict_net", List.of("probs", "label")),
                Arguments.of("dict_rev", "dict_net", List.of("label", "probs")),
                Arguments.of("nested_net", "nested_net", List.of("sum", "probs", "label")),
                Arguments.of("nested_net_rev", "nested_net", List.of("label", "sum", "probs")),
                Arguments.of("nested_tuple_net", "nested_tuple_net", List.of("probs", "label", "logits")),
                Arguments.of("dict_noout", "dict_net", List.of("probs", "label")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("served")
    void outputsAreBoundByKeyOrPositionWithTorchsValues(String model, String file, List<String> names) {
        InferenceResponse response = kubeServe.predictor(model).predict(InferenceRequest.of("input", input()));
        assertThat(response.outputs()).containsOnlyKeys(names);
        ModelMetadata metadata = kubeServe.model(model).metadata();
        assertThat(metadata.outputs()).extracting(TensorSpec::name).containsExactlyElementsOf(names);
        JsonNode right = expected.get(file);
        for (String name : names) {
            Tensor tensor = response.output(name);
            JsonNode values = right.get(name);
            assertThat(tensor.type()).as(name).isEqualTo(metadata.outputs().stream()
                    .filter(spec -> spec.name().equals(name)).findFirst().orElseThrow().type());
            switch (name) {
                case "label" -> {
                    assertThat(tensor.type()).isEqualTo(DataType.INT64);
                    assertThat(tensor.shape()).containsExactly(2);
                    assertThat(tensor.toLongArray()).containsExactly(values.get(0).asLong(), values.get(1).asLong());
                }
                case "sum" -> {
                    assertThat(tensor.type()).isEqualTo(DataType.FP64);
                    assertThat(tensor.shape()).containsExactly(2);
                    for (int r = 0; r < 2; r++) {
                        assertThat(tensor.getDouble(r)).isCloseTo(values.get(r).asDouble(),
                                within(Tolerances.absolute(expected, name)));
                    }
                }
                default -> {
                    assertThat(tensor.type()).isEqualTo(DataType.FP32);
                    assertThat(tensor.shape()).containsExactly(2, 3);
                    for (int r = 0; r < 2; r++) {
                        for (int c = 0; c < 3; c++) {
                            assertThat((double) tensor.getFloat(r * 3 + c)).as(name)
                                    .isCloseTo(values.get(r).get(c).asDouble(),
                                            within(Tolerances.absolute(expected, name)));
                        }
                    }
                }
            }
        }
    }

    @Test
    void aTupleWithoutDeclaredOutputsIsNamedInOrder() {
        InferenceResponse response = kubeServe.predictor("tuple_noout").predict(InferenceRequest.of("input", input()));
        assertThat(response.outputs()).containsOnlyKeys("output", "output1");
        assertThat(response.output("output1").type()).isEqualTo(DataType.INT64);
        assertThat(kubeServe.model("tuple_noout").metadata().outputs()).extracting(TensorSpec::name)
                .containsExactly("output", "output1");
    }

    @Test
    void askingForOneDictOutputGivesThatOne() {
        InferenceResponse response = kubeServe.predictor("dict_rev").predict(new InferenceRequest(null,
                java.util.Map.of("input", input()), List.of("label")));
        assertThat(response.outputs()).containsOnlyKeys("label");
        assertThat(response.output("label").type()).isEqualTo(DataType.INT64);
        assertThat(response.output("label").toLongArray())
                .containsExactly(expected.get("dict_net").get("label").get(0).asLong(),
                        expected.get("dict_net").get("label").get(1).asLong());
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("dict_badkeys", List.of("'probs'", "scores", "cls")),
                Arguments.of("tuple_wrongtype", List.of("INT64", "FP32", "'label'")),
                Arguments.of("dict_wrongtype", List.of("FP32[1, 3]", "FP64[-1, 3]", "'probs'")),
                Arguments.of("tuple_wrongrank", List.of("INT64[1]", "INT64[-1, 1]", "'label'")),
                Arguments.of("tuple_wrongcount", List.of("returns 2 tensors", "3 outputs are declared", "logits")),
                Arguments.of("dict_of_dict", List.of("cannot bind", "Only one level of map", "Dict[str, Tensor]")),
                Arguments.of("dict_of_dict_noout", List.of("cannot bind", "Only one level of map", "Dict[str, Tensor]")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void aDeclarationTheModelDoesNotMatchFailsTheLoadNamingBoth(String model, List<String> named) {
        ModelStatus status = kubeServe.statuses().stream().filter(s -> s.name().equals(model)).findFirst().orElseThrow();
        assertThat(status.ready()).isFalse();
        assertThat(status.reason()).contains(named).contains(model);
    }

    private Tensor input() {
        JsonNode rows = expected.get("input");
        float[] values = new float[8];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 4; c++) {
                values[r * 4 + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return Tensor.ofFloats(new long[] {2, 4}, values);
    }
}
