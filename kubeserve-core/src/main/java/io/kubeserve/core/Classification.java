package io.kubeserve.core;

import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Reads a classifier's answer out of its raw outputs, row by row: the predicted class index,
 * its probability and, when the model has labels, its name.
 *
 * <p>Two output layouts are understood. scikit-learn models (via skl2onnx) give a label tensor
 * (integer, {@code [N]}) beside a probability tensor ({@code [N, classes]}); neural classifiers
 * give only the {@code [N, classes]} scores, and the class is their arg-max. Anything else is not
 * a classification and {@link #of} returns null.
 */
public final class Classification {

    /** Name of the BYTES output holding class names, added for models with labels. */
    public static final String CLASS_NAME_OUTPUT = "class_name";

    private final Tensor labelTensor;
    private final Tensor probabilities;
    private final List<String> classLabels;
    private final int rows;

    private Classification(Tensor labelTensor, Tensor probabilities, List<String> classLabels, int rows) {
        this.labelTensor = labelTensor;
        this.probabilities = probabilities;
        this.classLabels = classLabels;
        this.rows = rows;
    }

    /**
     * The classification in {@code outputs}, or null when they are not a classifier's.
     * Without a label tensor, scores are taken as classes only if the model has labels or the
     * scores have more than one column.
     */
    public static Classification of(Map<String, Tensor> outputs, ModelMetadata model) {
        Tensor labels = null;
        Tensor scores = null;
        for (Map.Entry<String, Tensor> entry : outputs.entrySet()) {
            Tensor tensor = entry.getValue();
            if (entry.getKey().equals(CLASS_NAME_OUTPUT)) {
                continue;
            }
            if (labels == null && isInteger(tensor.type()) && isColumn(tensor)) {
                labels = tensor;
            } else if (scores == null && tensor.type().isFloatingPoint() && tensor.rank() == 2) {
                scores = tensor;
            }
        }
        if (scores == null && labels == null) {
            return null;
        }
        if (labels == null && model.classLabels().isEmpty() && scores.dim(1) < 2) {
            return null;
        }
        if (labels != null && scores != null && labels.dim(0) != scores.dim(0)) {
            return null;
        }
        int rows = (int) (labels != null ? labels.dim(0) : scores.dim(0));
        return new Classification(labels, scores, model.classLabels(), rows);
    }

    public static Classification of(InferenceResponse response, ModelMetadata model) {
        return of(response.outputs(), model);
    }

    public int rows() {
        return rows;
    }

    /** The predicted class index of a row. */
    public long classIndex(int row) {
        if (labelTensor != null) {
            return labelTensor.getAsLong(row);
        }
        int columns = (int) probabilities.dim(1);
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < columns; c++) {
            double score = probabilities.getAsDouble(row * columns + c);
            if (score > bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }

    /** The probability (or score) of the predicted class, NaN when the model gives none. */
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

    /** The class name of the prediction, or null when the model has no label for it. */
    public String className(int row) {
        long index = classIndex(row);
        return index >= 0 && index < classLabels.size() ? classLabels.get((int) index) : null;
    }

    /** The {@code [N, classes]} probabilities, or null. */
    public Tensor probabilities() {
        return probabilities;
    }

    public boolean hasClassNames() {
        return !classLabels.isEmpty();
    }

    /** Class names of every row as a BYTES tensor {@code [N]}; unlabelled indices become "". */
    public Tensor classNames() {
        String[] names = new String[rows];
        for (int row = 0; row < rows; row++) {
            String name = className(row);
            names[row] = name == null ? "" : name;
        }
        return Tensor.ofStrings(new long[] {rows}, names);
    }

    private static boolean isInteger(DataType type) {
        return switch (type) {
            case INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 -> true;
            default -> false;
        };
    }

    private static boolean isColumn(Tensor tensor) {
        return tensor.rank() == 1 || (tensor.rank() == 2 && tensor.dim(1) == 1);
    }
}
