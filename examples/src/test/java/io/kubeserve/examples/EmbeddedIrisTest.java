package io.kubeserve.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The bundled repository loads and the example classifies the three flowers as scikit-learn and PyTorch did. */
class EmbeddedIrisTest {

    @Test
    void classifiesTheThreeFlowers() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EmbeddedIris.run(Path.of("models"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("model iris version 1: READY", "model mlp version 1: READY");
        assertThat(out).contains("iris: [5.1, 3.5, 1.4, 0.2] -> setosa (class 0",
                "iris: [6.0, 2.7, 4.1, 1.3] -> versicolor (class 1",
                "iris: [6.7, 3.0, 5.2, 2.3] -> virginica (class 2");
        assertThat(out).contains("mlp: [5.1, 3.5, 1.4, 0.2] -> setosa (class 0",
                "mlp: [6.7, 3.0, 5.2, 2.3] -> virginica (class 2");
    }
}
