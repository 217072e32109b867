package io.kubeserve.engine.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.spi.VersionPolicy;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader on its own: a model trained here by {@code /usr/bin/python3} (scikit-learn's own
 * answers beside it), loaded, run with FP64 and FP32 inputs, closed. Skipped when that interpreter
 * lacks scikit-learn.
 */
class PythonModelLoaderTest {

    static final String PYTHON = System.getProperty("kubeserve.test.python", "/usr/bin/python3");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static JsonNode expected;

    @BeforeAll
    static void train() throws Exception {
        assumeThat(Files.isExecutable(Path.of(PYTHON))).as(PYTHON).isTrue();
        Files.createDirectories(dir.resolve("lr"));
        String script = String.join("\n",
                "import json, sys, joblib, numpy as np",
                "from sklearn.datasets import load_iris",
                "from sklearn.linear_model import LogisticRegression",
                "x, y = load_iris(return_X_y=True)",
                "model = LogisticRegression(max_iter=500).fit(x, y)",
                "joblib.dump(model, sys.argv[1] + '/lr/model.joblib')",
                "rows = x[::30]",
                "json.dump({'rows': rows.tolist(), 'label': model.predict(rows).tolist(),",
                "           'probabilities': model.predict_proba(rows).tolist(),",
                "           'label32': model.predict(rows.astype(np.float32)).tolist()},",
                "          open(sys.argv[1] + '/expected.json', 'w'))",
                "open(sys.argv[1] + '/broken.pkl', 'wb').write(b'not a pickle')");
        Process process = new ProcessBuilder(PYTHON, "-c", script, dir.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assumeThat(process.waitFor(120, TimeUnit.SECONDS) && process.exitValue() == 0)
                .as(PYTHON + " with scikit-learn: " + output).isTrue();
        expected = JSON.readTree(dir.resolve("expected.json").toFile());
    }

    static ModelConfig config(List<TensorSpec> inputs) {
        return new ModelConfig(null, null, inputs, List.of(), List.of(), 0, 0, List.of(), 0, 0, VersionPolicy.LATEST, 1,
                0, 0, Map.of(PythonModelLoader.PYTHON_PARAMETER, PYTHON));
    }

    @Test
    void servesScikitLearnsAnswersAndStopsItsWorkersWhenClosed() {
        PythonModelLoader loader = new PythonModelLoader(new PythonSettings("no-such-python-here", false));
        ModelSource source = new ModelSource("lr", "1", dir.resolve("lr/model.joblib"), config(List.of()));
        assertThat(loader.supports(source)).isTrue();
        PythonModelLoader.PythonModel model = (PythonModelLoader.PythonModel) loader.load(source);
        List<Long> pids = model.workerPids();
        try {
            assertThat(pids).hasSize(1);
            assertThat(model.metadata().inputs()).containsExactly(new TensorSpec("input", DataType.FP64, new long[] {-1, 4}));
            JsonNode rows = expected.path("rows");
            double[] values = new double[rows.size() * 4];
            for (int i = 0; i < values.length; i++) {
                values[i] = rows.get(i / 4).get(i % 4).asDouble();
            }
            InferenceResponse response = model.predictor().predict(InferenceRequest.of(
                    Map.of("input", Tensor.ofDoubles(new long[] {rows.size(), 4}, values))));
            Tensor label = response.outputs().get("label");
            Tensor probabilities = response.outputs().get("probabilities");
            assertThat(label.type()).isEqualTo(DataType.INT64);
            assertThat(probabilities.shape()).containsExactly(rows.size(), 3);
            for (int row = 0; row < rows.size(); row++) {
                assertThat(label.getLong(row)).isEqualTo(expected.path("label").get(row).asLong());
                for (int column = 0; column < 3; column++) {
                    assertThat((double) probabilities.getFloat(row * 3 + column))
                            .isCloseTo(expected.path("probabilities").get(row).get(column).asDouble(), within(1e-6));
                }
            }
        } finally {
            model.close();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> pids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void takesTheDatatypeTheConfigDeclares() {
        ModelSource source = new ModelSource("lr32", "1", dir.resolve("lr/model.joblib"),
                config(List.of(new TensorSpec("features", DataType.FP32, new long[] {-1, 4}))));
        try (var model = new PythonModelLoader().load(source)) {
            JsonNode rows = expected.path("rows");
            float[] values = new float[rows.size() * 4];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rows.get(i / 4).get(i % 4).asDouble();
            }
            Tensor label = model.predictor().predict(InferenceRequest.of(Map.of("features",
                    Tensor.ofFloats(new long[] {rows.size(), 4}, values)))).outputs().get("label");
            for (int row = 0; row < rows.size(); row++) {
                assertThat(label.getLong(row)).isEqualTo(expected.path("label32").get(row).asLong());
            }
        }
    }

    @Test
    void theCallTimeoutIsPositiveSecondsAndDefaultsToTwoMinutes() {
        assertThat(PythonModelLoader.callTimeout("m", null)).isEqualTo(Duration.ofSeconds(120));
        assertThat(PythonModelLoader.callTimeout("m", "2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(PythonModelLoader.callTimeout("m", " 0.25 ")).isEqualTo(Duration.ofMillis(250));
        for (String bad : List.of("0", "-1", "two", "", "86401", "NaN")) {
            assertThatThrownBy(() -> PythonModelLoader.callTimeout("m", bad)).isInstanceOf(KubeServeException.class)
                    .hasMessage("model 'm': parameters.python_call_timeout_seconds must be a number of seconds above 0"
                            + " and at most a day, not '" + bad + "'");
        }
    }

    @Test
    void aFileThatIsNoPickleFailsTheLoadWithTheReason() {
        ModelSource source = new ModelSource("broken", "1", dir.resolve("broken.pkl"), config(List.of()));
        assertThatThrownBy(() -> new PythonModelLoader().load(source))
                .isInstanceOfSatisfying(KubeServeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining("cannot load model 'broken' version 1 in Python: ValueError: the file cannot be read as a"
                        + " joblib or pickle file");
    }

    @Test
    void anInterpreterWithoutTheModelsPackagesFailsTheLoadSayingHowToNameAnother() throws Exception {
        // the same interpreter without its site-packages: numpy cannot be imported
        Path bare = dir.resolve("python-without-site.sh");
        Files.writeString(bare, "#!/bin/sh\nexec " + PYTHON + " -S \"$@\"\n");
        assertThat(bare.toFile().setExecutable(true)).isTrue();
        ModelSource source = new ModelSource("lr", "1", dir.resolve("lr/model.joblib"), ModelConfig.DEFAULT);
        assertThatThrownBy(() -> new PythonModelLoader(new PythonSettings(bare.toString(), false)).load(source))
                .isInstanceOf(KubeServeException.class)
                .hasMessageStartingWith("cannot load model 'lr' version 1 in Python: ")
                .hasMessageEndingWith("; if that interpreter lacks numpy, joblib or the model's own packages, name one"
                        + " that has them with --python or the model config's parameters.python")
                .hasMessageNotContaining(bare.toString());
    }

    @Test
    void aMissingInterpreterFailsTheLoadNamingIt() {
        ModelSource source = new ModelSource("lr", "1", dir.resolve("lr/model.joblib"), ModelConfig.DEFAULT);
        assertThatThrownBy(() -> new PythonModelLoader(new PythonSettings("/nonexistent/python3", false)).load(source))
                .hasMessageContaining("cannot start the Python interpreter '/nonexistent/python3'");
    }
}
