package io.kubeserve.core.tensor;

import io.kubeserve.core.error.KubeServeException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a model declares for one input or output: name, datatype and shape, where {@code -1}
 * marks a dimension of any size, and the symbolic name of each dimension where the model gives
 * one ({@code ""} where it does not). Dimensions of different tensors that share a name must
 * have the same size in one call: that is how a model says which inputs agree on what (a
 * {@code batch_size} or a {@code sequence} shared by two inputs).
 *
 * @param dimensionNames one entry per dimension; {@code ""} for a fixed or unnamed dimension
 */
public record TensorSpec(String name, DataType type, long[] shape, List<String> dimensionNames) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        if (dimensionNames == null || dimensionNames.isEmpty()) {
            dimensionNames = Collections.nCopies(shape.length, "");
        } else if (dimensionNames.size() != shape.length) {
            throw new IllegalArgumentException("input '" + name + "' has " + shape.length + " dimensions but "
                    + dimensionNames.size() + " dimension names");
        } else {
            dimensionNames = dimensionNames.stream().map(n -> n == null ? "" : n).toList();
        }
    }

    /** A spec whose variable dimensions have no names. */
    public TensorSpec(String name, DataType type, long[] shape) {
        this(name, type, shape, null);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The symbolic name of a dimension, {@code ""} when it has none. */
    public String dimensionName(int axis) {
        return dimensionNames.get(axis);
    }

    /**
     * This spec with the dimension names the model declares, when it has the same rank (a shape
     * from {@code config.json} carries no names); unchanged otherwise.
     */
    public TensorSpec withDimensionNames(List<String> names) {
        if (names == null || names.size() != shape.length) {
            return this;
        }
        return new TensorSpec(name, type, shape, names);
    }

    /**
     * True when the first dimension is variable, so it may be a batch dimension. Whether it is the
     * model's batch dimension depends on the other inputs too: see {@code InputShapes}.
     */
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
                && Arrays.equals(shape, that.shape) && dimensionNames.equals(that.dimensionNames);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), dimensionNames);
    }

    @Override
    public String toString() {
        return name + ":" + type + shapeText();
    }
}
