package io.kubeserve.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;

/**
 * Rows sent without a declared shape (V1 {@code instances}, seed {@code data} and {@code features})
 * turned into a tensor for the model's first input: its name and datatype, the shape the nesting
 * gives, then checked against what the model declares so a wrong row length is reported in the
 * model's terms.
 */
final class InstanceReader {

    private InstanceReader() {
    }

    static TensorSpec firstInput(ModelMetadata model) {
        if (model.inputs().isEmpty()) {
            throw KubeServeException.unsupported("model '" + model.name() + "' declares no inputs, so rows"
                    + " cannot be fed to it; use the V2 protocol with named inputs");
        }
        return model.inputs().get(0);
    }

    /** Reads the array under the parser as rows for {@code spec}. */
    static Tensor read(JsonParser p, TensorSpec spec, int maxElements) throws IOException {
        Tensor tensor = emptyRows(TensorDataReader.readUnshaped(p, spec.name(), spec.type(), maxElements), spec);
        spec.check(tensor);
        return tensor;
    }

    /**
     * No rows ({@code []}) have no nesting to give the row's shape: they take the model's, when the
     * model declares it ({@code [-1, 4]} makes {@code [0, 4]}), so an empty batch is answered empty.
     */
    private static Tensor emptyRows(Tensor tensor, TensorSpec spec) {
        long[] declared = spec.shape();
        if (tensor.rank() != 1 || tensor.dim(0) != 0 || declared.length < 2 || !spec.hasBatchDimension()) {
            return tensor;
        }
        for (int axis = 1; axis < declared.length; axis++) {
            if (declared[axis] < 0) {
                return tensor;
            }
        }
        declared[0] = 0;
        return tensor.reshape(declared);
    }

    /** Reads one flat row ({@code [5.1, 3.5, 1.4, 0.2]}) as a batch of one for {@code spec}. */
    static Tensor readRow(JsonParser p, TensorSpec spec, int maxElements) throws IOException {
        Tensor row = TensorDataReader.readUnshaped(p, spec.name(), spec.type(), maxElements);
        if (row.rank() != 1) {
            throw KubeServeException.invalidInput("\"features\" must be one flat list of values, got nesting "
                    + "of depth " + row.rank() + "; send several rows as \"data\"");
        }
        Tensor batch = row.reshape(1, row.dim(0));
        spec.check(batch);
        return batch;
    }
}
