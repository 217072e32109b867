package io.kubeserve.bench;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.spi.VersionPolicy;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.engine.python.PythonModelLoader;
import io.kubeserve.engine.python.PythonSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Python engine's round trip per call, in µs: a request framed, written to a worker's stdin,
 * read by the worker into numpy, answered and read back, with a model that does no work (an
 * estimator whose {@code predict} returns its input, so the answer is as large as the request).
 * What a real model costs comes on top; what the scheduler adds is {@code scheduled} minus
 * {@code direct}.
 *
 * <p>Shapes: {@code 1x4} (an iris row) and {@code 64x256} (a batch, 128 KiB of FP64 each way).
 * Needs {@code /usr/bin/python3} (or {@code -Dkubeserve.bench.python=...}) with numpy and joblib.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PythonIpcBenchmark {

    private static final String ECHO_MODULE = String.join("\n",
            "class Echo:",
            "    \"\"\"A regressor that answers its input: the IPC cost alone.\"\"\"",
            "    def __init__(self, n_features):",
            "        self.n_features_in_ = n_features",
            "    def predict(self, x):",
            "        return x",
            "");

    /** Rows x features of the request. */
    @Param({"1x4", "64x256"})
    public String shape;

    private Path dir;
    private Model model;
    private Predictor direct;
    private Predictor scheduled;
    private InferenceRequest request;

    @Setup
    public void setUp() throws IOException, InterruptedException {
        String python = System.getProperty("kubeserve.bench.python", "/usr/bin/python3");
        int rows = Integer.parseInt(shape.substring(0, shape.indexOf('x')));
        int features = Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
        dir = Files.createTempDirectory("kubeserve-bench-python-");
        Files.writeString(dir.resolve("echo_model.py"), ECHO_MODULE);
        Process train = new ProcessBuilder(python, "-c", "import sys, joblib; sys.path.insert(0, sys.argv[1]); "
                + "import echo_model; joblib.dump(echo_model.Echo(int(sys.argv[2])), sys.argv[1] + '/model.joblib')",
                dir.toString(), Integer.toString(features)).inheritIO().start();
        if (!train.waitFor(60, TimeUnit.SECONDS) || train.exitValue() != 0) {
            throw new IllegalStateException(python + " could not write the echo model (needs joblib)");
        }
        ModelConfig config = new ModelConfig(null, null, List.of(), List.of(), List.of(), 0, 0, List.of(), 0, 0,
                VersionPolicy.LATEST, 1, 0, 0, Map.of());
        model = new PythonModelLoader(new PythonSettings(python, false))
                .load(new ModelSource("echo", "1", dir.resolve("model.joblib"), config));
        direct = model.warmupPredictor();
        scheduled = model.predictor();
        double[] values = new double[rows * features];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25;
        }
        request = InferenceRequest.of("input", Tensor.ofDoubles(new long[] {rows, features}, values));
        Tensor answer = direct.predict(request).outputs().get("predict");
        if (!answer.equals(request.inputs().get("input"))) {
            throw new IllegalStateException("the echo model did not answer its input: " + answer);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        model.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** One round trip on the calling thread (the engine alone, as warm-up runs it). */
    @Benchmark
    public Object direct() {
        return direct.predict(request);
    }

    /** The same through the model's queue and execution thread, as a server request runs it. */
    @Benchmark
    public Object scheduled() {
        return scheduled.predict(request);
    }
}
