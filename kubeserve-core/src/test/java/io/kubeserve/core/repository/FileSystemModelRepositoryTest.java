package io.kubeserve.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.TestModels;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.DataType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemModelRepositoryTest {

    @TempDir
    Path root;

    @Test
    void tritonLayoutListsVersionsNewestFirst() {
        TestModels.install(root, "iris_rf.onnx", "iris", "1");
        TestModels.install(root, "iris_rf.onnx", "iris", "10");
        TestModels.install(root, "iris_rf.onnx", "iris", "2");
        TestModels.write(root.resolve("iris/not-a-version/model.onnx"), "ignored");
        TestModels.install(root, "mlp_torchscript.pt", "mlp", "3");

        FileSystemModelRepository repository = FileSystemModelRepository.open(root);
        assertThat(repository.modelNames()).containsExactly("iris", "mlp");
        assertThat(repository.versions("iris")).extracting(ModelSource::version).containsExactly("10", "2", "1");
        assertThat(repository.versions("mlp").get(0).fileName()).isEqualTo("model.pt");
    }

    @Test
    void configAndLabelsAreRead() {
        Path model = TestModels.install(root, "mlp_torchscript.pt", "mlp", "1");
        TestModels.write(model.resolve("config.json"), """
                {"engine": "pytorch", "device": "cpu",
                 "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
                 "max_batch_size": 16, "max_queue_delay_microseconds": 200, "instances": 2}
                """);
        TestModels.write(model.resolve("labels.txt"), "setosa\nversicolor\n\nvirginica\n");

        ModelConfig config = FileSystemModelRepository.open(root).versions("mlp").get(0).config();
        assertThat(config.engine()).isEqualTo("pytorch");
        assertThat(config.inputs().get(0).type()).isEqualTo(DataType.FP32);
        assertThat(config.inputs().get(0).shape()).containsExactly(-1, 4);
        assertThat(config.maxBatchSize()).isEqualTo(16);
        assertThat(config.maxQueueDelayMicros()).isEqualTo(200);
        assertThat(config.instances()).isEqualTo(2);
        assertThat(config.labels()).containsExactly("setosa", "versicolor", "virginica");
    }

    @Test
    void singleModelDirectoryIsServedUnderItsFolderName() {
        Path dir = root.resolve("iris");
        TestModels.write(dir.resolve("labels.txt"), "a\nb\nc");
        TestModels.install(root, "iris_rf.onnx", "tmp", "1");
        copy(root.resolve("tmp/1/model.onnx"), dir.resolve("model.onnx"));

        FileSystemModelRepository repository = FileSystemModelRepository.open(dir);
        assertThat(repository.modelNames()).containsExactly("iris");
        ModelSource source = repository.versions("iris").get(0);
        assertThat(source.version()).isEqualTo("1");
        assertThat(source.config().labels()).containsExactly("a", "b", "c");
        assertThat(FileSystemModelRepository.open(dir, "flowers").modelNames()).containsExactly("flowers");
    }

    @Test
    void aTritonModelDirectoryGivenAsTheRootIsOneModelWithItsVersions() {
        TestModels.install(root, "iris_rf.onnx", "iris", "1");
        TestModels.install(root, "iris_rf.onnx", "iris", "2");
        TestModels.write(root.resolve("iris/labels.txt"), "a\nb\nc");
        FileSystemModelRepository repository = FileSystemModelRepository.open(root.resolve("iris"));
        assertThat(repository.modelNames()).containsExactly("iris");
        assertThat(repository.versions("iris")).extracting(ModelSource::version).containsExactly("2", "1");
        assertThat(repository.versions("iris").get(0).config().labels()).containsExactly("a", "b", "c");
    }

    @Test
    void aModelFileAloneIsServedUnderItsFileName() {
        TestModels.install(root, "iris_rf.onnx", "tmp", "1");
        Path file = root.resolve("iris_rf.onnx");
        copy(root.resolve("tmp/1/model.onnx"), file);
        assertThat(FileSystemModelRepository.open(file).modelNames()).containsExactly("iris_rf");
    }

    @Test
    void badNamesAndConfigsAreRejected() {
        TestModels.install(root, "iris_rf.onnx", "iris", "1");
        TestModels.write(root.resolve("iris/config.json"), "{\"device\": \"tpu\"}");
        FileSystemModelRepository repository = FileSystemModelRepository.open(root);
        assertThatThrownBy(() -> repository.versions("iris")).hasMessageContaining("device 'tpu' is not one of");
        assertThatThrownBy(() -> repository.versions("../etc")).hasMessageContaining("not a valid model name");
        assertThatThrownBy(() -> repository.versions("ghost")).hasMessageContaining("model 'ghost' is not known");
        TestModels.write(root.resolve("iris/config.json"), "{\"instances\": -1}");
        assertThatThrownBy(() -> repository.versions("iris"))
                .hasMessageContaining("iris/config.json: 'instances': expected an integer >= 0");
        TestModels.write(root.resolve("iris/config.json"), "{not json");
        assertThatThrownBy(() -> repository.versions("iris")).hasMessageContaining("iris/config.json: not valid JSON");
    }

    @Test
    void devicesParse() {
        assertThat(ModelConfig.Device.parse("gpu")).isEqualTo(new ModelConfig.Device(true, 0));
        assertThat(ModelConfig.Device.parse("cuda:3")).isEqualTo(new ModelConfig.Device(true, 3));
        assertThat(ModelConfig.Device.parse(null)).isEqualTo(ModelConfig.Device.CPU);
        assertThat(List.of("gpu:x", "gpu:-1", "npu")).allSatisfy(text ->
                assertThatThrownBy(() -> ModelConfig.Device.parse(text)).hasMessageContaining("is not one of"));
    }

    private static void copy(Path from, Path to) {
        try {
            java.nio.file.Files.createDirectories(to.getParent());
            java.nio.file.Files.copy(from, to);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
