package io.kubeserve.core.tensor;

import io.kubeserve.core.KubeServeException;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a model declares for one input or output: name, datatype and shape, where {@code -1}
 * marks a dimension of any size (usually the batch dimension).
 */
public record TensorSpec(String name, DataType type, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** True when the first dimension is variable, i.e. rows can be stacked into one call. */
    public boolean hasBatchDimension() {
        return shape.length > 0 && shape[0] == -1;
    }

    /**
     * Checks a tensor sent for this input; the message says what was expected and what came,
     * so a client can fix the request without reading our code.
     */
    public void check(Tensor tensor) {
        if (tensor.type() != type) {
            throw KubeServeException.invalidInput("input '" + name + "' must be " + type + ", got " + tensor.type());
        }
        long[] actual = tensor.shape();
        boolean matches = actual.length == shape.length;
        for (int i = 0; matches && i < shape.length; i++) {
            matches = shape[i] < 0 || shape[i] == actual[i];
        }
        if (!matches) {
            throw KubeServeException.invalidInput("input '" + name + "' must have shape " + shapeText()
                    + ", got " + Arrays.toString(actual));
        }
    }

    /** The shape as people write it: {@code [-1, 4]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorSpec that && name.equals(that.name) && type == that.type
                && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + type + shapeText();
    }
}
