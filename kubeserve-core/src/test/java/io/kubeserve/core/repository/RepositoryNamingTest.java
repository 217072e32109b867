package io.kubeserve.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.TestModels;
import io.kubeserve.core.spi.ModelSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which directories become models and versions, and what the log says about every one that does
 * not (issue 12, kind 10): a table of directory names and their fate.
 */
class RepositoryNamingTest {

    @TempDir
    Path root;

    /** Runs {@code action} and returns what it logged (slf4j-simple writes to the current System.err). */
    private static <T> String logOf(Supplier<T> action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.get();
        } finally {
            System.setErr(original);
        }
        original.print(captured.toString(StandardCharsets.UTF_8));
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static boolean utf8FileNames() {
        return "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
    }

    static Stream<Arguments> servedNames() {
        return Stream.of(
                Arguments.of("iris"),
                Arguments.of("Model-1.0"),
                Arguments.of("v1.2.model"),
                Arguments.of("a..b"),
                Arguments.of("my model"),
                Arguments.of("-dash_first"),
                Arguments.of("100%"),
                Arguments.of("a+b:c@d"),
                Arguments.of("modèle"),
                Arguments.of("模型"),
                Arguments.of("Ωmega"),
                Arguments.of("x".repeat(128)));
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("servedNames")
    void aDirectoryWithAnyUrlWritableNameIsServed(String name) {
        if (!name.chars().allMatch(c -> c < 128)) {
            Assumptions.assumeTrue(utf8FileNames(), "the JVM reads file names as UTF-8 (LANG=C.UTF-8)");
        }
        TestModels.install(root, "iris_rf.onnx", name, "1");
        FileSystemModelRepository repository = FileSystemModelRepository.open(root);

        String log = logOf(repository::modelNames);
        assertThat(repository.modelNames()).containsExactly(name);
        assertThat(repository.versions(name)).extracting(ModelSource::version).containsExactly("1");
        assertThat(log).doesNotContain("skipping");
        FileSystemModelRepository.checkName(name);
    }

    static Stream<Arguments> skippedNames() {
        return Stream.of(
                Arguments.of(".hidden", "starts with '.'"),
                Arguments.of(".git", "starts with '.'"),
                Arguments.of("lost+found", "the file system's own directory"),
                Arguments.of("tab\there", "contains a control character"),
                Arguments.of("new\nline", "contains a control character"),
                Arguments.of("back\\slash", "contains a path separator"),
                Arguments.of("x".repeat(129), "longer than 128 characters"),
                Arguments.of("emoji😀", "beyond U+FFFF"));
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("skippedNames")
    void aDirectoryWhoseNameBreaksTheRuleIsSkippedWithTheReasonLogged(String name, String reason) {
        if (!name.chars().allMatch(c -> c < 128)) {
            Assumptions.assumeTrue(utf8FileNames(), "the JVM reads file names as UTF-8 (LANG=C.UTF-8)");
        }
        TestModels.install(root, "iris_rf.onnx", "iris", "1");
        TestModels.install(root, "iris_rf.onnx", name, "1");
        FileSystemModelRepository repository = FileSystemModelRepository.open(root);

        String first = logOf(repository::modelNames);
        assertThat(repository.modelNames()).containsExactly("iris");
        assertThat(first).contains("skipping", reason);
        if (!name.startsWith(".") && !name.equals("lost+found")) {
            assertThat(first).contains("WARN", "Naming rule: " + FileSystemModelRepository.NAMING_RULE);
        }
        assertThat(logOf(repository::modelNames)).as("said once, not at every poll").doesNotContain("skipping");
        assertThatThrownBy(() -> FileSystemModelRepository.checkName(name)).isInstanceOf(KubeServeException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void aNameTheJvmCannotDecodeIsRefusedWithTheFix() {
        assertThat(FileSystemModelRepository.nameProblem("mod\uFFFDle")).contains("file name encoding", "LANG=C.UTF-8");
        assertThat(FileSystemModelRepository.nameProblem("half\uD83D")).contains("file name encoding");
        assertThat(FileSystemModelRepository.nameProblem("")).contains("is empty");
    }

    static Stream<Arguments> versionDirectories() {
        return Stream.of(
                Arguments.of("v3", "is not a version (version directories are named by positive integers)"),
                Arguments.of("latest", "is not a version"),
                Arguments.of("0", "versions start at 1, without leading zeros"),
                Arguments.of("007", "versions start at 1, without leading zeros"),
                Arguments.of("1.5", "is not a version"),
                Arguments.of("-1", "is not a version"),
                Arguments.of(".ipynb_checkpoints", "is not a version"),
                Arguments.of("４", "is not a version"),
                Arguments.of("9", "holds no model file"));
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("versionDirectories")
    void aVersionDirectoryThatIsNoVersionIsSkippedWithTheReasonLogged(String directory, String reason) throws Exception {
        if (!directory.chars().allMatch(c -> c < 128)) {
            Assumptions.assumeTrue(utf8FileNames(), "the JVM reads file names as UTF-8 (LANG=C.UTF-8)");
        }
        TestModels.install(root, "iris_rf.onnx", "iris", "1");
        TestModels.install(root, "iris_rf.onnx", "iris", "2");
        if (directory.equals("9")) {
            Files.createDirectories(root.resolve("iris/9"));
            TestModels.write(root.resolve("iris/9/README.txt"), "the model file was forgotten");
        } else {
            TestModels.install(root, "iris_rf.onnx", "iris", directory);
        }
        FileSystemModelRepository repository = FileSystemModelRepository.open(root);

        String log = logOf(() -> repository.versions("iris"));
        assertThat(repository.versions("iris")).extracting(ModelSource::version).containsExactly("2", "1");
        assertThat(log).contains("skipping", "model 'iris'", reason);
        assertThat(logOf(() -> repository.versions("iris"))).doesNotContain("skipping");
    }

    @Test
    void aModelFileLyingInTheRootIsNamedWithWhereItBelongs() {
        TestModels.install(root, "iris_rf.onnx", "iris", "1");
        // two of them: a root holding a single model file is that one model's directory
        TestModels.write(root.resolve("mlp.onnx"), "a model file put in the wrong place");
        TestModels.write(root.resolve("resnet.pt"), "another");
        TestModels.write(root.resolve("README.md"), "notes are fine");
        FileSystemModelRepository repository = FileSystemModelRepository.open(root);

        String log = logOf(repository::modelNames);
        assertThat(repository.modelNames()).containsExactly("iris");
        assertThat(log).contains("mlp.onnx", "is not served", root.resolve("mlp/1/mlp.onnx").toString(),
                        root.resolve("resnet/1/resnet.pt").toString())
                .doesNotContain("README.md");
    }

    @Test
    void aModelWithNoUsableVersionSaysWhatWasExpected() {
        TestModels.install(root, "iris_rf.onnx", "iris", "v1");
        FileSystemModelRepository repository = FileSystemModelRepository.open(root);
        List<String> names = repository.modelNames();
        assertThat(names).containsExactly("iris");
        String log = logOf(() -> {
            assertThatThrownBy(() -> repository.versions("iris")).hasMessageContaining("has no version directory");
            return null;
        });
        assertThat(log).contains("'v1' is not a version");
    }
}
