package io.kubeserve.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the core adds on top of the engine: the same ONNX file ({@code mlp_torch.onnx}, one row)
 * run through KubeServe's predictor and through a bare {@link OrtSession} with a prebuilt input,
 * with the same session options the ONNX loader uses. The difference between the two scores is
 * the core's per-call cost (input checks, tensor conversion, DJL, output selection).
 *
 * <p>Iris runs through the predictor too: its ZipMap output takes the OnnxRuntime session path
 * instead of DJL, and adds class names.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PredictorBenchmark {

    private static final float[] ROW = BenchData.IRIS_ROW;

    private Path repository;
    private KubeServe kubeServe;
    private Predictor mlp;
    private Predictor iris;
    private InferenceRequest mlpRequest;
    private InferenceRequest irisRequest;

    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor ortInput;
    private Map<String, OnnxTensor> ortFeeds;

    @Setup
    public void setUp() throws OrtException {
        repository = BenchModels.repository(BenchModels.MLP, BenchModels.IRIS);
        kubeServe = KubeServe.builder().repository(repository).build();
        mlp = kubeServe.predictor(BenchModels.MLP);
        iris = kubeServe.predictor(BenchModels.IRIS);
        mlpRequest = InferenceRequest.of("input", Tensor.ofFloats(new long[] {1, 4}, ROW));
        irisRequest = InferenceRequest.of("float_input", Tensor.ofFloats(new long[] {1, 4}, ROW));

        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // what OnnxModelLoader sets, so both sides run the same optimised graph
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(BenchModels.modelFile(repository, BenchModels.MLP).toString(), options);
        }
        ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(ROW), new long[] {1, 4});
        ortFeeds = Map.of("input", ortInput);
        checkAnswers();
    }

    /** Both paths must compute the same thing, or comparing their times means nothing. */
    private void checkAnswers() throws OrtException {
        float[] viaCore = mlp.predict(mlpRequest).output("output").toFloatArray();
        float[] viaOrt = bareOrt();
        if (viaCore.length != 3 || !Arrays.equals(viaCore, viaOrt)) {
            throw new IllegalStateException("core and bare OnnxRuntime disagree: " + Arrays.toString(viaCore)
                    + " vs " + Arrays.toString(viaOrt));
        }
        String irisClass = iris.predict(irisRequest).output("class_name").getString(0);
        if (!irisClass.equals("setosa")) {
            throw new IllegalStateException("iris predicted " + irisClass + " for a setosa row");
        }
    }

    @TearDown
    public void tearDown() throws OrtException {
        ortInput.close();
        session.close();
        kubeServe.close();
        BenchModels.delete(repository);
    }

    @Benchmark
    public InferenceResponse mlpViaCorePredictor() {
        return mlp.predict(mlpRequest);
    }

    /** The floor: the engine call and reading its output into Java, nothing else. */
    @Benchmark
    public float[] mlpViaBareOrtSession() throws OrtException {
        return bareOrt();
    }

    @Benchmark
    public InferenceResponse irisViaCorePredictor() {
        return iris.predict(irisRequest);
    }

    private float[] bareOrt() throws OrtException {
        try (OrtSession.Result result = session.run(ortFeeds)) {
            FloatBuffer output = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[output.remaining()];
            output.get(values);
            return values;
        }
    }
}
