package io.kubeserve.core.engine.djl;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Turns skl2onnx's ZipMap output, a sequence with one {class → probability} map per row, into a
 * dense FP32 tensor {@code [rows, classes]} whose columns are in the model's class order: the
 * ZipMap node's own {@code classlabels_*} order ({@link ZipMapGraph}), the order of the
 * classifier's probability tensor and of {@code classes_}. That order is not the keys' sorted order
 * when the labels were not sorted; the maps OnnxRuntime returns keep no order, so only when the
 * graph's labels are unknown are columns in ascending key order.
 *
 * <p>This exists because DJL's OnnxRuntime engine converts such outputs lossily (dropping keys and
 * reordering columns); reading them through OnnxRuntime's own Java API keeps every value.
 */
final class ZipMapOutputs {

    private ZipMapOutputs() {
    }

    /**
     * Reads the rows, then closes them: OnnxRuntime's Java API hands each row out as a new native
     * value that closing the sequence (or the run's result) does not free, so unclosed rows leak
     * native memory on every call (seen as RSS growing ~2 MB/s under load with a flat JVM).
     */
    static Tensor toProbabilities(OnnxSequence sequence, List<Object> classOrder) throws OrtException {
        List<? extends OnnxValue> rows = sequence.getValue();
        try {
            return read(rows, classOrder);
        } finally {
            rows.forEach(OnnxValue::close);
        }
    }

    /** The probabilities of zero rows: {@code [0, classes]}, {@code [0, 0]} when the class labels are unknown. */
    static Tensor noRows(List<Object> classOrder) {
        return Tensor.ofFloats(new long[] {0, classOrder == null ? 0 : classOrder.size()});
    }

    private static Tensor read(List<? extends OnnxValue> rows, List<Object> classOrder) throws OrtException {
        if (rows.isEmpty()) {
            return noRows(classOrder);
        }
        Map<? extends Object, ? extends Object> first = ((OnnxMap) rows.get(0)).getValue();
        List<Object> classes = classOrder != null && classOrder.size() == first.size()
                && first.keySet().containsAll(classOrder) ? classOrder : sortedKeys(first);
        int columns = classes.size();
        ByteBuffer values = Tensor.allocate(io.kubeserve.core.tensor.DataType.FP32, rows.size() * columns);
        for (int row = 0; row < rows.size(); row++) {
            // each getValue() copies the map out of ONNX Runtime again (JNI lookups, boxing): the first row's once
            Map<? extends Object, ? extends Object> probabilities = row == 0 ? first : ((OnnxMap) rows.get(row)).getValue();
            if (probabilities.size() != columns) {
                throw KubeServeException.internal("ZipMap rows disagree on the number of classes", null);
            }
            for (Object key : classes) {
                Object probability = probabilities.get(key);
                if (!(probability instanceof Number number)) {
                    throw KubeServeException.internal("ZipMap row lacks class " + key, null);
                }
                values.putFloat(number.floatValue());
            }
        }
        return Tensor.of(io.kubeserve.core.tensor.DataType.FP32, new long[] {rows.size(), columns}, values.flip());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Object> sortedKeys(Map<? extends Object, ? extends Object> row) {
        List keys = new ArrayList<>(row.keySet());
        Collections.sort(keys);
        return keys;
    }
}
