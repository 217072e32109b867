package io.kubeserve.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine that cannot be linked or initialized (a native library missing or unloadable) fails
 * the model's load with a reason that says so, never "null", and never with the file system paths
 * the native loaders put in their messages, since clients read the reason.
 */
class LoadFailureReasonTest {

    private static final String SECRET_PATH = "/home/operator/.kubeserve/native/onnxruntime/libonnxruntime.so";

    @TempDir
    Path dir;

    @Test
    void anEngineThatFailsToInitializeSaysSoWithoutItsPaths() throws IOException {
        // what ONNX Runtime's class initializer throws when its library is not where it was told
        ModelStatus status = loadWith(() -> new ExceptionInInitializerError(
                new IOException("Native library 'onnxruntime' not found at " + SECRET_PATH)));

        assertThat(status.state()).isEqualTo(ModelState.FAILED);
        assertThat(status.reason()).isEqualTo("the engine failed to initialize (ExceptionInInitializerError, "
                + "caused by IOException); the server log has the cause");
    }

    @Test
    void anEngineThatCannotBeLinkedSaysSoWithoutItsPaths() throws IOException {
        ModelStatus status = loadWith(() -> new UnsatisfiedLinkError(SECRET_PATH + ": cannot open shared object file"));

        assertThat(status.state()).isEqualTo(ModelState.FAILED);
        assertThat(status.reason()).isEqualTo("the engine's classes or native library could not be linked "
                + "(UnsatisfiedLinkError); the server log has the cause").doesNotContain(SECRET_PATH);
    }

    private ModelStatus loadWith(Supplier<LinkageError> thrown) throws IOException {
        Path file = Files.writeString(dir.resolve("model.stub"), "x");
        ModelRepository repository = new ModelRepository() {
            @Override
            public List<String> modelNames() {
                return List.of("m");
            }

            @Override
            public List<ModelSource> versions(String modelName) {
                return List.of(new ModelSource("m", "1", file, ModelConfig.DEFAULT));
            }

            @Override
            public String describe() {
                return dir.toString();
            }
        };
        ModelLoader loader = new ModelLoader() {
            @Override
            public String engine() {
                return "stub";
            }

            @Override
            public boolean supports(ModelSource source) {
                return true;
            }

            @Override
            public Model load(ModelSource source) {
                throw thrown.get();
            }
        };
        try (ModelRegistry registry = new ModelRegistry(repository, List.of(loader), Duration.ofSeconds(1))) {
            registry.loadAll(1);
            return registry.statuses().stream().filter(s -> s.name().equals("m")).findFirst().orElseThrow();
        }
    }
}
