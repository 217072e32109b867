package io.kubeserve.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's command for the embedding example, as a user runs it after {@code mvn package}: the
 * packaged jar and the runtime dependencies copied beside it ({@code target/lib}), in a JVM of its
 * own. {@link EmbeddedIrisTest} runs the same code on Maven's test class path, which holds
 * test-scoped libraries the packaged one does not; this test runs after {@code package}
 * (surefire's {@code readme-command} execution in this module's pom).
 */
class EmbeddedIrisCommandTest {

    @Test
    void readmeCommandClassifiesTheThreeFlowers() throws IOException, InterruptedException {
        Path jar = Path.of("target/kubeserve-examples.jar");
        assertThat(jar).as("runs after package").isRegularFile();
        assertThat(Path.of("target/lib")).isDirectory();
        Path output = Files.createTempFile("embedded-iris", ".txt");
        try {
            Process process = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", "target/kubeserve-examples.jar" + java.io.File.pathSeparator + "target/lib/*",
                    "io.kubeserve.examples.EmbeddedIris", "models"))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean exited = process.waitFor(120, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly();
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);

            assertThat(exited).as("exited within 120 s; output:%n%s", out).isTrue();
            assertThat(process.exitValue()).as("exit code; output:%n%s", out).isZero();
            assertThat(out).contains("iris: [5.1, 3.5, 1.4, 0.2] -> setosa (class 0",
                    "iris: [6.0, 2.7, 4.1, 1.3] -> versicolor (class 1",
                    "iris: [6.7, 3.0, 5.2, 2.3] -> virginica (class 2",
                    "mlp: [5.1, 3.5, 1.4, 0.2] -> setosa (class 0");
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
