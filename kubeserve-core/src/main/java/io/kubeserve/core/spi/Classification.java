package io.kubeserve.core.spi;

import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Map;

/**
 * Reads a classifier's answer out of its outputs, row by row: the model's own label, the
 * probability of that class and, when the model has class names, its name.
 *
 * <p>Whether a model is a classifier is read from what the model declares, never guessed from the
 * shape of an answer (a 3-target regressor's {@code [N, 3]} looks just like three class scores):
 * <ul>
 *   <li>a <em>label output</em> (integer or BYTES, {@code [N]} or {@code [N, 1]}, as every
 *       scikit-learn classifier converted by skl2onnx has) beside a probability output
 *       (floating point {@code [N, classes]}, ZipMap ones included) or beside declared class names;</li>
 *   <li>or class names ({@code labels.txt}, the config's {@code labels}) beside a score output
 *       {@code [N, classes]}, the neural classifier, whose class is the arg-max of its scores.</li>
 * </ul>
 * Anything else is not a classifier: {@link #of} returns null and callers answer with the
 * model's output values. A label output is taken as it is: strings stay strings, the model's own
 * integer classes (negative or not contiguous ones too) stay those integers.
 *
 * <p>Immutable and thread-safe; it reads the output tensors it was built from (and keeps them, not
 * copies) but never changes them.
 */
public final class Classification {

    /** Name of the BYTES output holding class names, added for models with labels. */
    public static final String CLASS_NAME_OUTPUT = "class_name";

    private final Tensor labelTensor;
    private final Tensor probabilities;
    private final List<String> classNames;
    private final int rows;

    private Classification(Tensor labelTensor, Tensor probabilities, List<String> classNames, int rows) {
        this.labelTensor = labelTensor;
        this.probabilities = probabilities;
        this.classNames = classNames;
        this.rows = rows;
    }

    /**
     * True when the model declares itself a classifier (see the class comment). Models that
     * declare no outputs (TorchScript without a config) are classifiers only with class names.
     *
     * @param model the model's declared outputs and class labels
     * @return true when the model declares a label output beside scores or class names, or class
     *         names beside a score output
     */
    public static boolean isClassifier(ModelMetadata model) {
        TensorSpec label = null;
        TensorSpec scores = null;
        for (TensorSpec spec : model.outputs()) {
            if (spec.name().equals(CLASS_NAME_OUTPUT)) {
                continue;
            }
            if (label == null && isLabel(spec.type(), spec.shape())) {
                label = spec;
            } else if (scores == null && isScores(spec.type(), spec.shape())) {
                scores = spec;
            }
        }
        if (label != null) {
            return scores != null || !model.classLabels().isEmpty();
        }
        return !model.classLabels().isEmpty() && (scores != null || model.outputs().isEmpty());
    }

    /**
     * The classification in {@code outputs}, or null when the model is not a classifier or the
     * outputs lack what it declared (for example when only other outputs were requested).
     *
     * @param outputs the answer's tensors by name (a {@code class_name} output among them is ignored)
     * @param model   the model's metadata, for its declared outputs and class names
     * @return the classification over those tensors, or null
     */
    public static Classification of(Map<String, Tensor> outputs, ModelMetadata model) {
        if (!isClassifier(model)) {
            return null;
        }
        Tensor labels = null;
        Tensor scores = null;
        for (Map.Entry<String, Tensor> entry : outputs.entrySet()) {
            Tensor tensor = entry.getValue();
            if (entry.getKey().equals(CLASS_NAME_OUTPUT)) {
                continue;
            }
            if (labels == null && isLabel(tensor.type(), tensor.shape())) {
                labels = tensor;
            } else if (scores == null && isScores(tensor.type(), tensor.shape())) {
                scores = tensor;
            }
        }
        if (labels == null && (scores == null || model.classLabels().isEmpty())) {
            return null;
        }
        if (labels != null && scores != null && labels.dim(0) != scores.dim(0)) {
            return null;
        }
        int rows = (int) (labels != null ? labels.dim(0) : scores.dim(0));
        return new Classification(labels, scores, model.classLabels(), rows);
    }

    /**
     * The classification in a response; see {@link #of(Map, ModelMetadata)}.
     *
     * @param response the model's answer
     * @param model    the model's metadata
     * @return the classification, or null when there is none
     */
    public static Classification of(InferenceResponse response, ModelMetadata model) {
        return of(response.outputs(), model);
    }

    /**
     * How many rows (predictions) the answer holds.
     *
     * @return the first dimension of the label or score output
     */
    public int rows() {
        return rows;
    }

    /**
     * Whether the model gives its own labels as strings.
     *
     * @return true for a BYTES label output
     */
    public boolean hasStringLabels() {
        return labelTensor != null && labelTensor.type() == DataType.BYTES;
    }

    /**
     * The model's own label of a row as a string (for {@link #hasStringLabels()} models), else
     * null.
     *
     * @param row the row, from 0 to {@link #rows()} - 1
     * @return the label, or null
     */
    public String stringLabel(int row) {
        return hasStringLabels() ? labelTensor.getString(row) : null;
    }

    /**
     * The model's own integer label of a row: what its label output holds (e.g. {@code -1} or
     * {@code 30}), or, for a model that gives scores only, the class index. Undefined for
     * {@link #hasStringLabels()} models.
     *
     * @param row the row, from 0 to {@link #rows()} - 1
     * @return the label
     */
    public long label(int row) {
        return labelTensor != null ? labelTensor.getAsLong(row) : classIndex(row);
    }

    /**
     * The position of the predicted class in the model's class order, the column of its
     * probability: the arg-max of the row's probabilities (the class a scikit-learn classifier
     * predicts), or the integer label itself when the model gives no probabilities.
     *
     * @param row the row, from 0 to {@link #rows()} - 1
     * @return a column index from 0, or -1 for a string label without probabilities
     */
    public long classIndex(int row) {
        if (probabilities == null) {
            return labelTensor.type() == DataType.BYTES ? -1 : labelTensor.getAsLong(row);
        }
        int columns = (int) probabilities.dim(1);
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < columns; c++) {
            double score = probabilities.getAsDouble(row * columns + c);
            if (best < 0 || score > bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }

    /**
     * The probability (or score) of the predicted class, as the model gives it (not normalised).
     *
     * @param row the row, from 0 to {@link #rows()} - 1
     * @return a value usually in [0, 1], or NaN when the model gives no probabilities
     */
    public double confidence(int row) {
        if (probabilities == null) {
            return Double.NaN;
        }
        long index = classIndex(row);
        int columns = (int) probabilities.dim(1);
        if (index < 0 || index >= columns) {
            return Double.NaN;
        }
        return probabilities.getAsDouble(row * columns + (int) index);
    }

    /**
     * The class name of the prediction: a string label as it is; a name from the model's class
     * names ({@code labels.txt}, class 0 first) for an integer label or a score arg-max; null
     * when there is none.
     *
     * @param row the row, from 0 to {@link #rows()} - 1
     * @return the class name, or null
     */
    public String className(int row) {
        if (hasStringLabels()) {
            return stringLabel(row);
        }
        long index = labelTensor != null ? labelTensor.getAsLong(row) : classIndex(row);
        return index >= 0 && index < classNames.size() ? classNames.get((int) index) : null;
    }

    /**
     * The model's probability (or score) output.
     *
     * @return a floating-point tensor {@code [N, classes]}, or null when the model gives none
     */
    public Tensor probabilities() {
        return probabilities;
    }

    /**
     * Whether class names come from the model's declared labels (not from string labels).
     *
     * @return true when the model has {@code labels.txt} or config labels
     */
    public boolean hasClassNames() {
        return !classNames.isEmpty();
    }

    /**
     * Class names of every row, the {@link #CLASS_NAME_OUTPUT} output.
     *
     * @return a new BYTES tensor {@code [N]} of UTF-8 names; rows without a name hold {@code ""}
     */
    public Tensor classNames() {
        String[] names = new String[rows];
        for (int row = 0; row < rows; row++) {
            String name = className(row);
            names[row] = name == null ? "" : name;
        }
        return Tensor.ofStrings(new long[] {rows}, names);
    }

    private static boolean isLabel(DataType type, long[] shape) {
        boolean labelType = switch (type) {
            case INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, BYTES -> true;
            default -> false;
        };
        return labelType && (shape.length == 1 || (shape.length == 2 && shape[1] == 1));
    }

    private static boolean isScores(DataType type, long[] shape) {
        return type.isFloatingPoint() && shape.length == 2;
    }
}
