package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kubeserve.core.spi.Classification;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What V1 and the seed API answer as a row's prediction, shared so the two agree: a
 * classifier's own label (a string as a string, an integer label as that integer), and for any
 * other model its output values: the rows of its one output, or, for a model with several
 * outputs, one object per row keyed by output name (TensorFlow Serving's row format, which
 * KServe V1 follows).
 */
final class Predictions {

    private Predictions() {
    }

    /** The model's label of a row: its string label, or its integer label (or class index). */
    static void writeLabel(JsonGenerator gen, Classification classes, int row) throws IOException {
        if (classes.hasStringLabels()) {
            gen.writeString(classes.stringLabel(row));
        } else {
            gen.writeNumber(classes.label(row));
        }
    }

    /** The model's real outputs, in its order; the derived class-name output is not one. */
    static List<Map.Entry<String, Tensor>> outputs(InferenceResponse response) {
        List<Map.Entry<String, Tensor>> outputs = new ArrayList<>(response.outputs().size());
        for (Map.Entry<String, Tensor> output : response.outputs().entrySet()) {
            if (!output.getKey().equals(Classification.CLASS_NAME_OUTPUT)) {
                outputs.add(output);
            }
        }
        return outputs;
    }

    /**
     * The number of rows the outputs share, or -1 when they do not share one (a scalar output, or
     * outputs of different lengths) and must be written whole.
     */
    static int rows(List<Map.Entry<String, Tensor>> outputs) {
        int rows = -1;
        for (Map.Entry<String, Tensor> output : outputs) {
            Tensor tensor = output.getValue();
            if (tensor.rank() == 0 || (rows >= 0 && tensor.dim(0) != rows)) {
                return -1;
            }
            rows = (int) tensor.dim(0);
        }
        return rows;
    }

    /**
     * One row of a model with several outputs: {@code {"name": value, ...}}, each value nested by
     * shape (a single element as itself when {@code unwrapSingle}).
     */
    static void writeRowObject(JsonGenerator gen, List<Map.Entry<String, Tensor>> outputs, int row,
                               boolean unwrapSingle) throws IOException {
        gen.writeStartObject();
        for (Map.Entry<String, Tensor> output : outputs) {
            gen.writeFieldName(output.getKey());
            writeRow(gen, output.getValue(), row, unwrapSingle);
        }
        gen.writeEndObject();
    }

    /** Every output whole, nested by shape: {@code {"name": [...], ...}}. */
    static void writeColumns(JsonGenerator gen, List<Map.Entry<String, Tensor>> outputs) throws IOException {
        gen.writeStartObject();
        for (Map.Entry<String, Tensor> output : outputs) {
            gen.writeFieldName(output.getKey());
            TensorJsonWriter.writeNested(gen, output.getValue());
        }
        gen.writeEndObject();
    }

    /** One row nested by shape; with {@code unwrapSingle}, a one-element row as that element. */
    static void writeRow(JsonGenerator gen, Tensor tensor, int row, boolean unwrapSingle) throws IOException {
        if (unwrapSingle) {
            TensorJsonWriter.writeRow(gen, tensor, row);
        } else {
            TensorJsonWriter.writeRowNested(gen, tensor, row);
        }
    }
}
