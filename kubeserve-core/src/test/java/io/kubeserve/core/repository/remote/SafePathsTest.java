package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.FileSystemModelRepository;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which keys from a store become paths in the cache, and which are refused. */
class SafePathsTest {

    private static final Path ROOT = Path.of("/cache/models");

    @ParameterizedTest
    @CsvSource({
        "iris/1/model.onnx, /cache/models/iris/1/model.onnx",
        "iris/labels.txt, /cache/models/iris/labels.txt",
        "model.onnx, /cache/models/model.onnx",
        "a b/ü.onnx, /cache/models/a b/ü.onnx",
        "iris/1/..model.onnx, /cache/models/iris/1/..model.onnx",
    })
    void acceptsPlainRelativeKeys(String key, String expected) {
        assertThat(SafePaths.resolve(ROOT, key)).isEqualTo(Path.of(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "../escape", "iris/../../escape", "iris/..", "..", ".", "./iris", "iris/./1",
        "/etc/passwd", "//host/share", "C:/windows", "c:evil",
        "iris\\..\\..\\escape", "iris\\1",
        "iris\u0000.onnx", "iris/\n1", "", "iris//1", "iris/1/",
    })
    void refusesKeysThatCouldLeaveTheRoot(String key) {
        assertThatThrownBy(() -> SafePaths.resolve(ROOT, key))
                .isInstanceOf(KubeServeException.class)
                .hasMessageStartingWith("refusing path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/b", "a\\b", ".hidden", "", "tab\tname", "nul\u0000"})
    void modelNamesFollowTheFileSystemRepositoryRule(String name) {
        assertThatThrownBy(() -> FileSystemModelRepository.checkName(name)).isInstanceOf(KubeServeException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iris", "iris_v2", "Model-1.0", "a b", "-x", "modèle", "模型"})
    void plainModelNamesPass(String name) {
        FileSystemModelRepository.checkName(name);
    }
}
