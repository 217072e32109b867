package io.kubeserve.core;

import io.kubeserve.core.spi.Classification;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whether a model is a classifier comes from what it declares; its labels are its own. Values as
 * scikit-learn gives them for ../shared/field case13 (LinearClassifier, softmax) and case18.
 */
class ClassificationTest {

    private static final List<TensorSpec> INPUT = List.of(new TensorSpec("float_input", DataType.FP32, new long[] {-1, 2}));
    private static final float[] PROBA = {0.7426995f, 0.2472232f, 0.0100774f, 0.0001643f, 0.0133847f, 0.9864509f};

    private static ModelMetadata model(List<String> labels, TensorSpec... outputs) {
        return new ModelMetadata("m", "1", "onnxruntime_onnx", INPUT, List.of(outputs), labels);
    }

    private static Map<String, Tensor> outputs(String labelName, Tensor label, String scoresName, Tensor scores) {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        if (label != null) {
            outputs.put(labelName, label);
        }
        if (scores != null) {
            outputs.put(scoresName, scores);
        }
        return outputs;
    }

    @Test
    void stringLabelsStayStrings() {
        ModelMetadata animals = model(List.of(), new TensorSpec("output_label", DataType.BYTES, new long[] {-1}),
                new TensorSpec("output_probability", DataType.FP32, new long[] {-1, -1}));
        Classification c = Classification.of(outputs("output_label", Tensor.ofStrings(new long[] {2}, "bird", "dog"),
                "output_probability", Tensor.ofFloats(new long[] {2, 3}, PROBA)), animals);

        assertThat(c.hasStringLabels()).isTrue();
        assertThat(c.stringLabel(0)).isEqualTo("bird");
        assertThat(c.stringLabel(1)).isEqualTo("dog");
        assertThat(c.className(1)).isEqualTo("dog");
        // the confidence is the label's own probability, widened to double: exact, no tolerance
        assertThat(c.confidence(0)).isEqualTo(PROBA[0]);
        assertThat(c.confidence(1)).isEqualTo(PROBA[5]);
    }

    @Test
    void negativeAndSparseIntegerLabelsAreTheModelsOwn() {
        ModelMetadata sparse = model(List.of(), new TensorSpec("output_label", DataType.INT64, new long[] {-1}),
                new TensorSpec("output_probability", DataType.FP32, new long[] {-1, -1}));
        Classification c = Classification.of(outputs("output_label", Tensor.ofLongs(new long[] {2}, 10, 30),
                "output_probability", Tensor.ofFloats(new long[] {2, 3}, PROBA)), sparse);
        assertThat(c.hasStringLabels()).isFalse();
        assertThat(c.label(0)).isEqualTo(10);
        assertThat(c.label(1)).isEqualTo(30);
        assertThat(c.classIndex(1)).isEqualTo(2);
        assertThat(c.confidence(1)).isEqualTo(PROBA[5]);

        Classification binary = Classification.of(outputs("output_label", Tensor.ofLongs(new long[] {1}, -1),
                "output_probability", Tensor.ofFloats(new long[] {1, 2}, 0.75026f, 0.24974f)), sparse);
        assertThat(binary.label(0)).isEqualTo(-1);
        assertThat(binary.confidence(0)).isEqualTo(0.75026f);
    }

    @Test
    void scoresAreAClassifierOnlyWithClassNames() {
        TensorSpec scores = new TensorSpec("scores", DataType.FP32, new long[] {-1, 3});
        Map<String, Tensor> out = outputs(null, null, "scores", Tensor.ofFloats(new long[] {2, 3}, PROBA));

        Classification named = Classification.of(out, model(List.of("bird", "cat", "dog"), scores));
        assertThat(named.label(1)).isEqualTo(2);
        assertThat(named.className(1)).isEqualTo("dog");
        assertThat(Classification.of(out, model(List.of(), scores))).isNull();
    }

    @Test
    void regressorsAreNotClassifiersWhateverTheirShape() {
        ModelMetadata multireg = model(List.of(), new TensorSpec("variable", DataType.FP32, new long[] {-1, 3}));
        Map<String, Tensor> out = outputs(null, null, "variable",
                Tensor.ofFloats(new long[] {2, 3}, 1, 1, 9, 8, 1.25f, 0));
        assertThat(Classification.isClassifier(multireg)).isFalse();
        assertThat(Classification.of(out, multireg)).isNull();
        ModelMetadata reg1 = model(List.of(), new TensorSpec("variable", DataType.FP32, new long[] {-1, 1}));
        assertThat(Classification.isClassifier(reg1)).isFalse();
        // an integer count beside float values is not a label output unless beside probabilities
        ModelMetadata counts = model(List.of(), new TensorSpec("count", DataType.INT64, new long[] {-1}));
        assertThat(Classification.isClassifier(counts)).isFalse();
    }
}
