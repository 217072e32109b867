package io.kubeserve.core.engine;

import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Stacking tensors along their first (batch) dimension, and cutting results back into rows: what
 * dynamic batching does to a model's inputs and outputs. Stateless and thread-safe; the tensors
 * given are only read.
 */
public final class TensorBatches {

    private TensorBatches() {
    }

    /**
     * Whether two tensors could be stacked: same type, rank and every dimension but the first.
     *
     * @param a one tensor
     * @param b another
     * @return true when both have rank one or more and agree on all but the first dimension
     */
    public static boolean stackable(Tensor a, Tensor b) {
        if (a.type() != b.type() || a.rank() != b.rank() || a.rank() == 0) {
            return false;
        }
        for (int axis = 1; axis < a.rank(); axis++) {
            if (a.dim(axis) != b.dim(axis)) {
                return false;
            }
        }
        return true;
    }

    /**
     * One tensor holding the rows of all {@code parts}, in order; a single part is returned as is.
     *
     * @param parts one or more tensors, pairwise {@link #stackable}; not changed
     * @return a new tensor of shape {@code [sum of first dimensions, ...rest]} (copied data)
     */
    public static Tensor concat(List<Tensor> parts) {
        Tensor first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        long rows = 0;
        for (Tensor part : parts) {
            rows += part.dim(0);
        }
        long[] shape = first.shape();
        shape[0] = rows;
        if (first.type() == DataType.BYTES) {
            byte[][] elements = new byte[Tensor.elementCount(shape)][];
            int next = 0;
            for (Tensor part : parts) {
                for (int i = 0; i < part.size(); i++) {
                    elements[next++] = part.getBytes(i);
                }
            }
            return Tensor.ofBytes(shape, elements);
        }
        ByteBuffer data = Tensor.allocate(first.type(), Tensor.elementCount(shape));
        for (Tensor part : parts) {
            data.put(part.data());
        }
        return Tensor.of(first.type(), shape, data.flip());
    }

    /**
     * Rows {@code from} (inclusive) to {@code to} (exclusive) of a batched tensor, sharing its
     * storage for fixed-size types.
     *
     * @param batch  a tensor of rank one or more
     * @param from   first row, from 0
     * @param to     row after the last, at most {@code batch.dim(0)}
     * @return a tensor of shape {@code [to - from, ...rest]}
     */
    public static Tensor rows(Tensor batch, long from, long to) {
        long[] shape = batch.shape();
        long rowElements = batch.size() / Math.max(1, shape[0]);
        shape[0] = to - from;
        if (batch.type() == DataType.BYTES) {
            int start = (int) (from * rowElements);
            byte[][] elements = new byte[(int) ((to - from) * rowElements)][];
            for (int i = 0; i < elements.length; i++) {
                elements[i] = batch.getBytes(start + i);
            }
            return Tensor.ofBytes(shape, elements);
        }
        int rowBytes = (int) (rowElements * batch.type().byteSize());
        ByteBuffer data = batch.data();
        data.position((int) (from * rowBytes)).limit((int) (to * rowBytes));
        return Tensor.of(batch.type(), shape, data.slice());
    }

    static String describe(Tensor tensor) {
        return tensor.type() + Arrays.toString(tensor.shape());
    }
}
