package io.kubeserve.examples;

import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.registry.ModelStatus;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * KubeServe inside an application: load the example repository, classify three flowers with the
 * scikit-learn model and the PyTorch one, print what each said.
 *
 * <p>Run: {@code java -cp 'examples/target/kubeserve-examples.jar:examples/target/lib/*'
 * io.kubeserve.examples.EmbeddedIris examples/models}
 */
public final class EmbeddedIris {

    private static final float[][] FLOWERS = {
        {5.1f, 3.5f, 1.4f, 0.2f},
        {6.0f, 2.7f, 4.1f, 1.3f},
        {6.7f, 3.0f, 5.2f, 2.3f},
    };

    private EmbeddedIris() {
    }

    public static void main(String[] args) {
        Path repository = Path.of(args.length > 0 ? args[0] : "examples/models");
        run(repository, System.out);
    }

    static void run(Path repository, PrintStream out) {
        try (KubeServe kubeServe = KubeServe.builder().repository(repository).build()) {
            for (ModelStatus status : kubeServe.statuses()) {
                out.printf(Locale.ROOT, "model %s version %s: %s in %d ms%n", status.name(), status.version(),
                        status.state(), status.loadMillis());
            }
            Tensor rows = Tensor.ofFloats(new long[] {FLOWERS.length, 4}, flatten(FLOWERS));
            classify(kubeServe.model("iris"), InferenceRequest.of("float_input", rows), out);
            classify(kubeServe.model("mlp"), InferenceRequest.of("input", rows), out);
        }
    }

    private static void classify(Model model, InferenceRequest request, PrintStream out) {
        InferenceResponse response = model.predictor().predict(request);
        Classification classes = Classification.of(response, model.metadata());
        for (int row = 0; row < classes.rows(); row++) {
            out.printf(Locale.ROOT, "%s: %s -> %s (class %d, p=%.3f)%n", model.metadata().name(),
                    java.util.Arrays.toString(FLOWERS[row]), classes.className(row), classes.classIndex(row),
                    classes.confidence(row));
        }
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[r].length, rows[r].length);
        }
        return flat;
    }
}
