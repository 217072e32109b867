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
 * <p>Immutable (the shape array is copied in and out) and safe to share between threads.
 *
 * @param name           the input or output name, as clients address it
 * @param type           the element datatype
 * @param shape          one size per dimension, {@code -1} for any size; a copy is kept
 * @param dimensionNames one entry per dimension; {@code ""} for a fixed or unnamed dimension
 */
public record TensorSpec(String name, DataType type, long[] shape, List<String> dimensionNames) {

    /**
     * Copies the shape; null or empty {@code dimensionNames} means no names.
     *
     * @param name           the input or output name
     * @param type           the element datatype
     * @param shape          one size per dimension, {@code -1} for any size
     * @param dimensionNames one name per dimension, null entries read as {@code ""}; may be null
     * @throws NullPointerException     when {@code name}, {@code type} or {@code shape} is null
     * @throws IllegalArgumentException when there are names but not one per dimension
     */
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

    /**
     * A spec whose variable dimensions have no names.
     *
     * @param name  the input or output name
     * @param type  the element datatype
     * @param shape one size per dimension, {@code -1} for any size; copied
     */
    public TensorSpec(String name, DataType type, long[] shape) {
        this(name, type, shape, null);
    }

    /**
     * The declared shape.
     *
     * @return a fresh copy, one size per dimension, {@code -1} for any size
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The symbolic name of a dimension.
     *
     * @param axis the dimension, from 0
     * @return its name, e.g. {@code batch_size}, or {@code ""} when it has none
     * @throws IndexOutOfBoundsException when {@code axis} is not below the rank
     */
    public String dimensionName(int axis) {
        return dimensionNames.get(axis);
    }

    /**
     * This spec with the dimension names the model declares, when it has the same rank (a shape
     * from {@code config.json} carries no names); unchanged otherwise.
     *
     * @param names one name per dimension, as the model declares them; may be null
     * @return a new spec with those names, or this one
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
     *
     * @return true when the rank is at least one and the first dimension is {@code -1}
     */
    public boolean hasBatchDimension() {
        return shape.length > 0 && shape[0] == -1;
    }

    /**
     * Checks a tensor sent for this input; the message says what was expected and what came,
     * so a client can fix the request without reading our code.
     *
     * @param tensor the tensor a client sent; only read
     * @throws KubeServeException {@code INVALID_INPUT} when its datatype differs, or its rank or a
     *         fixed dimension does not match
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

    /**
     * The shape as people write it.
     *
     * @return e.g. {@code [-1, 4]}
     */
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
