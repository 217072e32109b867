package io.kubeserve.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.TestModels;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.VersionPolicy;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelConfigReaderTest {

    @TempDir
    Path root;

    private final ModelConfigReader reader = new ModelConfigReader();

    static Stream<Arguments> badConfigJson() {
        return Stream.of(
                // wrong JSON type: no coercion of strings, fractions or numbers
                Arguments.of("{\"max_batch_size\": \"abc\"}", List.of("'max_batch_size'", "expected an integer", "\"abc\"")),
                Arguments.of("{\"max_batch_size\": \"8\"}", List.of("'max_batch_size'", "expected an integer", "\"8\"")),
                Arguments.of("{\"max_batch_size\": 8.5}", List.of("'max_batch_size'", "expected an integer", "8.5")),
                Arguments.of("{\"max_batch_size\": 99999999999}", List.of("99999999999")),
                Arguments.of("{\"engine\": 5}", List.of("'engine'", "expected a string", "5")),
                Arguments.of("{\"backend\": \"tensorflow\"}", List.of("'backend'", "python", "\"tensorflow\"")),
                Arguments.of("{\"engine\": \"pytorch\", \"backend\": \"python\"}", List.of("'backend'", "contradicts")),
                Arguments.of("{\"parameters\": {\"python\": \"/usr/bin/python3\"}}", List.of("'parameters")),
                Arguments.of("{\"labels\": \"setosa\"}", List.of("'labels'", "expected an array")),
                Arguments.of("{\"dynamic_batching\": {\"preferred_batch_size\": [4, \"8\"]}}",
                        List.of("'dynamic_batching.preferred_batch_size[1]'", "expected an integer")),
                Arguments.of("{\"instance_group\": [{\"count\": true}]}",
                        List.of("'instance_group[0].count'", "expected an integer", "true")),
                // unknown keys, at any depth
                Arguments.of("{\"max_batchsize\": 8}", List.of("'max_batchsize'", "unknown key", "max_batch_size")),
                Arguments.of("{\"dynamic_batching\": {\"preferred_batch_sizes\": [4]}}",
                        List.of("'dynamic_batching.preferred_batch_sizes'", "unknown key", "preferred_batch_size")),
                Arguments.of("{\"input\": [{\"name\": \"x\", \"data_type\": \"TYPE_FP32\", \"dims\": [4], \"shape\": [4]}]}",
                        List.of("'input[0].shape'", "unknown key")),
                // bad enum constants
                Arguments.of("{\"instance_group\": [{\"kind\": \"KIND_TPU\"}]}",
                        List.of("'instance_group[0].kind'", "KIND_CPU", "KIND_GPU", "\"KIND_TPU\"")),
                Arguments.of("{\"input\": [{\"name\": \"x\", \"data_type\": \"FP32\", \"dims\": [4]}]}",
                        List.of("'input[0].data_type'", "TYPE_FP32", "\"FP32\"")),
                Arguments.of("{\"instance_group\": [{\"kind\": \"KIND_MODEL\"}]}",
                        List.of("'instance_group[0].kind'", "not supported")),
                // out of range
                Arguments.of("{\"instance_group\": [{\"count\": -2}]}", List.of("'instance_group[0].count'", ">= 1", "-2")),
                Arguments.of("{\"max_batch_size\": -1}", List.of("'max_batch_size'", ">= 0", "-1")),
                Arguments.of("{\"request_timeout_ms\": -5}", List.of("'request_timeout_ms'", ">= 0", "-5")),
                Arguments.of("{\"max_batch_size\": 4, \"dynamic_batching\": {\"preferred_batch_size\": [8]}}",
                        List.of("'dynamic_batching.preferred_batch_size[0]'", "from 1 to max_batch_size (4)", "8")),
                Arguments.of("{\"input\": [{\"name\": \"x\", \"data_type\": \"TYPE_FP32\", \"dims\": [0]}]}",
                        List.of("'input[0].dims[0]'", "-1")),
                Arguments.of("{\"version_policy\": {\"latest\": {\"num_versions\": 0}}}",
                        List.of("'version_policy.latest.num_versions'", ">= 1")),
                Arguments.of("{\"version_policy\": {\"newest\": 1}}", List.of("'version_policy'", "newest")),
                // missing or contradicting values
                Arguments.of("{\"input\": [{\"name\": \"x\", \"data_type\": \"TYPE_FP32\"}]}", List.of("'input[0].dims'", "missing")),
                Arguments.of("{\"instances\": 2, \"instance_group\": [{\"count\": 2}]}", List.of("'instances'", "instance_group")),
                Arguments.of("{\"preferred_batch_sizes\": [2], \"max_batch_size\": 4,"
                        + " \"dynamic_batching\": {\"preferred_batch_size\": [2]}}",
                        List.of("'preferred_batch_sizes'", "dynamic_batching.preferred_batch_size")),
                Arguments.of("{\"device\": \"cpu\", \"instance_group\": [{\"kind\": \"KIND_GPU\"}]}",
                        List.of("'instance_group[0].kind'", "gpu:0", "'device'")),
                Arguments.of("{\"device\": \"tpu\"}", List.of("'device'", "tpu")),
                Arguments.of("{\"instance_group\": [{\"count\": 1}, {\"count\": 1}]}", List.of("'instance_group'", "one instance group")),
                // not a config at all
                Arguments.of("{\"max_batch_size\": 1, \"max_batch_size\": 2}", List.of("max_batch_size", "uplicate")),
                Arguments.of("[1, 2]", List.of("expected a JSON object", "array")),
                Arguments.of("", List.of("expected a JSON object")),
                Arguments.of("{\"max_batch_size\": 1", List.of("not valid JSON", "line 1")));
    }

    @ParameterizedTest
    @MethodSource
    void badConfigJson(String json, List<String> fragments) {
        Path model = root.resolve("iris");
        TestModels.write(model.resolve("config.json"), json);

        assertThatThrownBy(() -> reader.read(model))
                .isInstanceOfSatisfying(KubeServeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageStartingWith("iris/config.json: ")
                .hasMessageNotContaining(root.toString())
                .hasMessageContainingAll(fragments.toArray(String[]::new));
    }

    @Test
    void tritonNamedKeysAreRead() {
        Path model = root.resolve("mlp");
        TestModels.write(model.resolve("config.json"), """
                {"engine": "pytorch", "max_batch_size": 16,
                 "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": [4]}],
                 "output": [{"name": "y", "data_type": "TYPE_STRING", "dims": [-1]}],
                 "dynamic_batching": {"preferred_batch_size": [4, 8], "max_queue_delay_microseconds": 200,
                                      "default_queue_policy": {"max_queue_size": 32}},
                 "instance_group": [{"count": 2, "kind": "KIND_GPU", "gpus": [1]}],
                 "version_policy": {"specific": {"versions": [1, 3]}},
                 "request_timeout_ms": 1500, "intra_op_threads": 1, "inter_op_threads": 2}
                """);

        ModelConfigReader.Loaded loaded = reader.load(model, "mlp");
        ModelConfig config = loaded.config();
        assertThat(loaded.warnings()).isEmpty();
        assertThat(config.engine()).isEqualTo("pytorch");
        assertThat(config.inputs()).containsExactly(new TensorSpec("x", DataType.FP32, new long[] {-1, 4}));
        assertThat(config.outputs()).containsExactly(new TensorSpec("y", DataType.BYTES, new long[] {-1, -1}));
        assertThat(config.maxBatchSize()).isEqualTo(16);
        assertThat(config.preferredBatchSizes()).containsExactly(4, 8);
        assertThat(config.maxQueueDelayMicros()).isEqualTo(200);
        assertThat(config.maxQueueSize()).isEqualTo(32);
        assertThat(config.instances()).isEqualTo(2);
        assertThat(config.device()).isEqualTo(new ModelConfig.Device(true, 1));
        assertThat(config.versionPolicy()).isEqualTo(VersionPolicy.only(Set.of("1", "3")));
        assertThat(config.requestTimeoutMillis()).isEqualTo(1500);
        assertThat(config.intraOpThreads()).isEqualTo(1);
        assertThat(config.interOpThreads()).isEqualTo(2);
    }

    @Test
    void backendAndParametersPickThePythonEngineAndItsInterpreter() {
        Path model = root.resolve("rf");
        TestModels.write(model.resolve("config.json"), """
                {"backend": "python", "parameters": {"python": {"string_value": "/opt/venv/bin/python"}}}
                """);

        ModelConfig config = reader.load(model, "rf").config();
        assertThat(config.engine()).isEqualTo("python");
        assertThat(config.parameters()).containsExactly(Map.entry("python", "/opt/venv/bin/python"));
        assertThat(config.withLabels(List.of("a")).parameters()).isEqualTo(config.parameters());
    }

    @Test
    void dimsAreTheShapeWhenTheModelDoesNotBatch() {
        Path model = root.resolve("m");
        TestModels.write(model.resolve("config.json"),
                "{\"input\": [{\"name\": \"x\", \"data_type\": \"TYPE_INT64\", \"dims\": [-1, 4]}]}");

        assertThat(reader.read(model).inputs()).containsExactly(new TensorSpec("x", DataType.INT64, new long[] {-1, 4}));
    }

    static Stream<Arguments> oldKeys() {
        return Stream.of(
                Arguments.of("{\"max_batch_size\": 8, \"preferred_batch_sizes\": [2, 4], \"max_queue_delay_microseconds\": 300}",
                        "{\"max_batch_size\": 8, \"dynamic_batching\": {\"preferred_batch_size\": [2, 4],"
                                + " \"max_queue_delay_microseconds\": 300}}",
                        List.of("'preferred_batch_sizes'", "'max_queue_delay_microseconds'")),
                Arguments.of("{\"instances\": 3}", "{\"instance_group\": [{\"count\": 3}]}", List.of("'instances'")),
                Arguments.of("{\"instances\": 0, \"max_batch_size\": 2}", "{\"max_batch_size\": 2}", List.of("'instances'")),
                Arguments.of("{\"max_batch_size\": 4, \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [-1, 4]}],"
                                + " \"outputs\": [{\"name\": \"y\", \"datatype\": \"BYTES\", \"shape\": [-1, 3]}]}",
                        "{\"max_batch_size\": 4, \"input\": [{\"name\": \"x\", \"data_type\": \"TYPE_FP32\", \"dims\": [4]}],"
                                + " \"output\": [{\"name\": \"y\", \"data_type\": \"TYPE_STRING\", \"dims\": [3]}]}",
                        List.of("'inputs'", "'outputs'")),
                Arguments.of("{\"version_policy\": {\"latest\": 2}}",
                        "{\"version_policy\": {\"latest\": {\"num_versions\": 2}}}", List.of("{\"latest\": N}")),
                Arguments.of("{\"version_policy\": {\"all\": true}}", "{\"version_policy\": {\"all\": {}}}",
                        List.of("{\"all\": true}")),
                Arguments.of("{\"version_policy\": {\"specific\": [1, 3]}}",
                        "{\"version_policy\": {\"specific\": {\"versions\": [1, 3]}}}", List.of("{\"specific\": [..]}")));
    }

    @ParameterizedTest
    @MethodSource
    void oldKeys(String oldJson, String newJson, List<String> oldNames) {
        TestModels.write(root.resolve("old/config.json"), oldJson);
        TestModels.write(root.resolve("new/config.json"), newJson);

        ModelConfigReader.Loaded old = reader.load(root.resolve("old"), "old");
        ModelConfigReader.Loaded current = reader.load(root.resolve("new"), "new");

        assertThat(old.config()).isEqualTo(current.config());
        assertThat(old.config()).isNotEqualTo(ModelConfig.DEFAULT);
        assertThat(current.warnings()).isEmpty();
        assertThat(old.warnings()).hasSize(oldNames.size());
        for (int i = 0; i < oldNames.size(); i++) {
            assertThat(old.warnings().get(i)).startsWith("old/config.json: ").contains(oldNames.get(i)).contains("instead");
        }
    }

    @Test
    void theReadmesExamplesLoadWithoutWarnings() throws Exception {
        String readme = java.nio.file.Files.readString(Path.of("../README.md"));
        String section = readme.substring(readme.indexOf("`config.json` is read strictly"));
        TestModels.write(root.resolve("readme/config.json"), block(section, "```json\n"));
        TestModels.write(root.resolve("iris/config.pbtxt"), block(section, "```protobuf\n"));

        ModelConfigReader.Loaded json = reader.load(root.resolve("readme"), "readme");
        ModelConfigReader.Loaded pbtxt = reader.load(root.resolve("iris"), "iris");
        assertThat(json.warnings()).isEmpty();
        assertThat(json.config().maxBatchSize()).isEqualTo(8);
        assertThat(json.config().inputs()).containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));
        assertThat(pbtxt.warnings()).isEmpty();
        assertThat(pbtxt.config().instances()).isEqualTo(2);
        assertThat(pbtxt.config().inputs()).containsExactly(
                new TensorSpec("float_input", DataType.FP32, new long[] {-1, 4}));
    }

    private static String block(String text, String fence) {
        int start = text.indexOf(fence) + fence.length();
        return text.substring(start, text.indexOf("```", start));
    }

    @Test
    void theExampleMlpConfigUsesNoOldKey() {
        Path example = Path.of("../examples/models/mlp");
        ModelConfigReader.Loaded loaded = reader.load(example, "mlp");

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().inputs()).containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));
        assertThat(loaded.config().labels()).containsExactly("setosa", "versicolor", "virginica");
    }

    @Test
    void labelFilenameNamesTheClasses() {
        Path model = root.resolve("iris");
        TestModels.write(model.resolve("classes.txt"), "setosa\nversicolor\nvirginica\n");
        TestModels.write(model.resolve("config.json"), "{\"output\": [{\"name\": \"output_label\","
                + " \"data_type\": \"TYPE_INT64\", \"dims\": [-1], \"label_filename\": \"classes.txt\"}]}");

        assertThat(reader.read(model).labels()).containsExactly("setosa", "versicolor", "virginica");

        TestModels.write(model.resolve("config.json"), "{\"output\": [{\"name\": \"output_label\","
                + " \"data_type\": \"TYPE_INT64\", \"dims\": [-1], \"label_filename\": \"../../etc/passwd\"}]}");
        assertThatThrownBy(() -> reader.read(model)).hasMessageContainingAll("iris/config.json",
                "'output[0].label_filename'", "a file name in the model's directory");
    }

    // ---- config.pbtxt ----

    @Test
    void tritonConfigPbtxtIsRead() {
        Path model = root.resolve("iris");
        TestModels.write(model.resolve("config.pbtxt"), """
                name: "iris"
                platform: "onnxruntime_onnx"
                max_batch_size: 8
                input [
                  {
                    name: "float_input"
                    data_type: TYPE_FP32
                    dims: [ 4 ]
                  }
                ]
                dynamic_batching {
                  preferred_batch_size: [ 4 ]
                  max_queue_delay_microseconds: 100
                  default_queue_policy { max_queue_size: 16 }
                }
                instance_group [ { count: 2, kind: KIND_CPU } ]
                version_policy: { latest: { num_versions: 2 } }
                """);

        ModelConfigReader.Loaded loaded = reader.load(model, "iris");
        ModelConfig config = loaded.config();
        assertThat(loaded.warnings()).isEmpty();
        assertThat(config.engine()).isEqualTo("onnxruntime");
        assertThat(config.inputs()).containsExactly(new TensorSpec("float_input", DataType.FP32, new long[] {-1, 4}));
        assertThat(config.maxBatchSize()).isEqualTo(8);
        assertThat(config.preferredBatchSizes()).containsExactly(4);
        assertThat(config.maxQueueDelayMicros()).isEqualTo(100);
        assertThat(config.maxQueueSize()).isEqualTo(16);
        assertThat(config.instances()).isEqualTo(2);
        assertThat(config.device()).isEqualTo(ModelConfig.Device.CPU);
        assertThat(config.versionPolicy()).isEqualTo(VersionPolicy.newest(2));
    }

    @Test
    void pbtxtWithoutDynamicBatchingDoesNotBatchButKeepsTheBatchDimension() {
        Path model = root.resolve("mlp");
        TestModels.write(model.resolve("config.pbtxt"), """
                backend: "pytorch"
                max_batch_size: 8
                input { name: "input" data_type: TYPE_FP32 dims: 4 }
                output { name: "output" data_type: TYPE_FP32 dims: 3 }
                instance_group { kind: KIND_GPU gpus: 0 }
                """);

        ModelConfig config = reader.read(model);
        assertThat(config.engine()).isEqualTo("pytorch");
        assertThat(config.maxBatchSize()).isZero();
        assertThat(config.inputs()).containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));
        assertThat(config.outputs()).containsExactly(new TensorSpec("output", DataType.FP32, new long[] {-1, 3}));
        assertThat(config.instances()).as("an instance group without count runs one instance, as in Triton").isEqualTo(1);
        assertThat(config.device()).isEqualTo(new ModelConfig.Device(true, 0));
    }

    @Test
    void pbtxtFieldsKubeServeDoesNotServeAreSkippedWithAWarning() {
        Path model = root.resolve("iris");
        TestModels.write(model.resolve("config.pbtxt"), """
                platform: "onnxruntime_onnx"
                max_batch_size: 4
                input [{ name: "float_input", data_type: TYPE_FP32, format: FORMAT_NONE, dims: [4] }]
                optimization { graph { level: 1 } }
                model_warmup [{ name: "w" batch_size: 1 }]
                """);

        ModelConfigReader.Loaded loaded = reader.load(model, "iris");
        assertThat(loaded.config().maxBatchSize()).isZero();
        assertThat(loaded.config().inputs()).hasSize(1);
        assertThat(loaded.warnings()).singleElement().asString()
                .startsWith("iris/config.pbtxt: ")
                .contains("ModelInput.format (line 3)", "optimization (line 4)", "model_warmup (line 5)");
        assertThat(reader.load(model, "iris").warnings()).as("the same file read again says the same")
                .isEqualTo(loaded.warnings());
    }

    static Stream<Arguments> badConfigPbtxt() {
        return Stream.of(
                Arguments.of("max_batch_size: \"abc\"", List.of("line 1", "integer")),
                Arguments.of("instance_group [{ kind: KIND_TPU }]", List.of("line 1", "KIND_TPU")),
                Arguments.of("input [{ name: \"x\" data_type: FP32 dims: [4] }]", List.of("line 1", "FP32")),
                Arguments.of("max_batch_size: 8\ninput [{ name: \"x\" dims: [4] }]", List.of("'input[0].data_type'", "missing", "TYPE_FP32")),
                Arguments.of("name: \"other\"", List.of("'name'", "\"other\"", "\"iris\"")),
                Arguments.of("platform: \"tensorrt_plan\"", List.of("'platform'", "tensorrt_plan", "onnxruntime_onnx")),
                Arguments.of("platform: \"onnxruntime_onnx\" backend: \"pytorch\"", List.of("'backend'", "contradicts")),
                Arguments.of("instance_group [{ count: -1 }]", List.of("'instance_group[0].count'", "-1")),
                Arguments.of("instance_group [{ kind: KIND_CPU gpus: [0] }]", List.of("'instance_group[0].gpus'")),
                Arguments.of("max_batch_size: 2 dynamic_batching { preferred_batch_size: [4] }",
                        List.of("'dynamic_batching.preferred_batch_size[0]'", "4")),
                Arguments.of("version_policy { latest { } }", List.of("'version_policy.latest.num_versions'")),
                Arguments.of("input [{ name: \"x\" data_type: TYPE_FP32 dims: [4] ", List.of("line 1")));
    }

    @ParameterizedTest
    @MethodSource
    void badConfigPbtxt(String pbtxt, List<String> fragments) {
        Path model = root.resolve("iris");
        TestModels.write(model.resolve("config.pbtxt"), pbtxt);

        assertThatThrownBy(() -> reader.read(model))
                .isInstanceOfSatisfying(KubeServeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageStartingWith("iris/config.pbtxt: ")
                .hasMessageNotContaining(root.toString())
                .hasMessageContainingAll(fragments.toArray(String[]::new));
    }

    @Test
    void bothConfigFilesAreAnError() {
        Path model = root.resolve("iris");
        TestModels.write(model.resolve("config.json"), "{}");
        TestModels.write(model.resolve("config.pbtxt"), "");

        assertThatThrownBy(() -> reader.read(model))
                .hasMessageContainingAll("iris/config.json", "iris/config.pbtxt")
                .hasMessageNotContaining(root.toString());
    }
}
