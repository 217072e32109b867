package io.kubeserve.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Triton model repository (config.pbtxt beside version directories) is served unchanged: the
 * iris ONNX model of the examples and the TorchScript MLP, configured Triton's way, answer what
 * scikit-learn and PyTorch computed, as the same files without a config do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TritonRepositoryTest {

    @TempDir
    static Path repo;

    private KubeServe kubeServe;

    @BeforeAll
    void load() throws IOException {
        Path iris = Files.createDirectories(repo.resolve("iris/1"));
        Files.copy(Path.of("../examples/models/iris/1/model.onnx"), iris.resolve("model.onnx"));
        TestModels.write(repo.resolve("iris/config.pbtxt"), """
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
                }
                instance_group [ { count: 2, kind: KIND_CPU } ]
                optimization { execution_accelerators { cpu_execution_accelerator: [ { name: "openvino" } ] } }
                """);
        Path plain = Files.createDirectories(repo.resolve("iris_plain/1"));
        Files.copy(Path.of("../examples/models/iris/1/model.onnx"), plain.resolve("model.onnx"));

        Path mlp = TestModels.install(repo, "mlp_torchscript.pt", "mlp", "1");
        TestModels.write(mlp.resolve("config.pbtxt"), """
                backend: "pytorch"
                max_batch_size: 8
                input [ { name: "input", data_type: TYPE_FP32, dims: [ 4 ] } ]
                output [ { name: "output", data_type: TYPE_FP32, dims: [ 3 ] } ]
                dynamic_batching { }
                """);
        kubeServe = KubeServe.builder().repository(repo).build();
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    @Test
    void everyModelIsReadyWithTheShapesTritonsDimsMean() {
        assertThat(kubeServe.statuses()).extracting(ModelStatus::name).containsExactly("iris", "iris_plain", "mlp");
        assertThat(kubeServe.statuses()).allSatisfy(status ->
                assertThat(status.ready()).as(status.name() + ": " + status.reason()).isTrue());

        ModelMetadata iris = kubeServe.model("iris").metadata();
        assertThat(iris.inputs()).extracting(TensorSpec::name).containsExactly("float_input");
        assertThat(iris.inputs().get(0).shape()).containsExactly(-1, 4);
        assertThat(iris.inputs().get(0).shape()).containsExactly(kubeServe.model("iris_plain").metadata().inputs().get(0).shape());

        ModelMetadata mlp = kubeServe.model("mlp").metadata();
        assertThat(mlp.inputs().get(0).shape()).containsExactly(-1, 4);
        assertThat(mlp.outputs().get(0).shape()).containsExactly(-1, 3);
    }

    @Test
    void irisAnswersAsScikitLearnWithAndWithoutTheTritonConfig() throws Exception {
        JsonNode expected = TestModels.expected("iris_logreg");
        int rows = TestModels.sampleCount(expected, "float_input");
        for (String model : List.of("iris", "iris_plain")) {
            Predictor predictor = kubeServe.predictor(model);
            // requests of 1 to 4 rows in flight together, which the dynamic batcher may stack
            List<CompletableFuture<Void>> answers = new ArrayList<>();
            for (int from = 0; from < rows; from += 1 + from % 4) {
                int start = from;
                int end = Math.min(rows, from + 1 + from % 4);
                answers.add(predictor.predictAsync(InferenceRequest.of("float_input",
                                TestModels.sampleRows(expected, "float_input", start, end)))
                        .toCompletableFuture()
                        .thenAccept(response -> ReferenceModelsTest.assertClassifierRows(response, expected, start, end)));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void torchScriptMlpAnswersAsPyTorch() {
        JsonNode expected = TestModels.expected("mlp_torch");
        int rows = TestModels.sampleCount(expected, "input");
        for (int from = 0; from < rows; from += 8) {
            int to = Math.min(rows, from + 8);
            InferenceResponse response = kubeServe.predictor("mlp").predict(
                    InferenceRequest.of("input", TestModels.sampleRows(expected, "input", from, to)));
            ReferenceModelsTest.assertMlpRows(response, expected, from, to);
        }
    }
}
