package io.kubeserve.core.engine;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape rules a model declares across its inputs, checked before the engine runs: every
 * variable dimension that shares a symbolic name ({@code batch_size}, {@code sequence}) must have
 * one size in a call, whichever inputs and axes carry it; and the model's batch dimension, the
 * dimension its requests can be stacked along.
 *
 * <p>Nothing is assumed beyond what the model says: an input whose first dimension is named
 * differently from the other inputs' (a weight {@code [D, K]} beside {@code x [N, D]}), or that
 * has no variable first dimension at all (a bias {@code [K]}), does not carry the batch dimension,
 * and such a model is never batched. Unnamed first dimensions are taken as the batch dimension
 * only when every input has one and batching is on: the config's {@code max_batch_size} then says,
 * as in Triton, that every input carries it.
 *
 * <p>Immutable and thread-safe; built once per model version.
 */
public final class InputShapes {

    /** One place a symbolic dimension occurs: input index and axis. */
    private record Occurrence(int input, int axis) {
    }

    private final List<TensorSpec> specs;
    private final Map<String, List<Occurrence>> shared;
    private final boolean batchable;
    private final boolean compareUnnamedRows;

    private InputShapes(List<TensorSpec> specs, Map<String, List<Occurrence>> shared, boolean batchable,
                        boolean compareUnnamedRows) {
        this.specs = specs;
        this.shared = shared;
        this.batchable = batchable;
        this.compareUnnamedRows = compareUnnamedRows;
    }

    /**
     * The rules of a model that is not batched.
     *
     * @param metadata the model's declared inputs, with their dimension names
     * @return the rules; unnamed first dimensions are not compared across inputs
     */
    public static InputShapes of(ModelMetadata metadata) {
        return of(metadata, false);
    }

    /**
     * The rules of a model's inputs.
     *
     * @param metadata the model's declared inputs, with their dimension names
     * @param batching whether the scheduler stacks requests (only possible when {@link #batchable})
     * @return the rules; when batching, unnamed first dimensions must agree across inputs too
     */
    public static InputShapes of(ModelMetadata metadata, boolean batching) {
        List<TensorSpec> specs = metadata.inputs();
        Map<String, List<Occurrence>> occurrences = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            long[] shape = specs.get(i).shape();
            for (int axis = 0; axis < shape.length; axis++) {
                String name = specs.get(i).dimensionName(axis);
                if (shape[axis] < 0 && !name.isEmpty()) {
                    occurrences.computeIfAbsent(name, n -> new ArrayList<>()).add(new Occurrence(i, axis));
                }
            }
        }
        Map<String, List<Occurrence>> shared = new LinkedHashMap<>();
        occurrences.forEach((name, where) -> {
            if (where.size() > 1) {
                shared.put(name, List.copyOf(where));
            }
        });
        boolean batchable = batchable(specs, occurrences);
        boolean unnamedBatch = batchable && specs.get(0).dimensionName(0).isEmpty();
        return new InputShapes(specs, shared, batchable, batching && batchable && unnamedBatch);
    }

    /**
     * Whether requests can be stacked along the first dimension of every input: each input's first
     * dimension is variable, all have the same name (or none has one), and a named one occurs
     * nowhere else (else stacking would change another axis too).
     */
    private static boolean batchable(List<TensorSpec> specs, Map<String, List<Occurrence>> occurrences) {
        if (specs.isEmpty() || !specs.get(0).hasBatchDimension()) {
            return false;
        }
        String batchName = specs.get(0).dimensionName(0);
        for (TensorSpec spec : specs) {
            if (!spec.hasBatchDimension() || !spec.dimensionName(0).equals(batchName)) {
                return false;
            }
        }
        return batchName.isEmpty() || occurrences.get(batchName).stream().allMatch(at -> at.axis() == 0);
    }

    /**
     * Whether requests of this model can be stacked into one engine call.
     *
     * @return true when every input's first dimension is variable and carries the same (or no) name,
     *         which occurs on no other axis
     */
    public boolean batchable() {
        return batchable;
    }

    /**
     * Checks that the bound inputs (in model order, each already checked against its own spec)
     * agree on every dimension they share; the message names the dimension, the inputs and sizes.
     *
     * @param inputs one tensor per model input, in model order; only read
     * @throws io.kubeserve.core.error.KubeServeException {@code INVALID_INPUT} when two inputs differ
     *         on a shared dimension
     */
    public void check(Tensor[] inputs) {
        for (Map.Entry<String, List<Occurrence>> entry : shared.entrySet()) {
            Occurrence first = entry.getValue().get(0);
            long size = inputs[first.input()].dim(first.axis());
            for (Occurrence other : entry.getValue()) {
                long otherSize = inputs[other.input()].dim(other.axis());
                if (otherSize != size) {
                    throw KubeServeException.invalidInput("inputs disagree on dimension '" + entry.getKey()
                            + "': " + describe(first, size) + ", " + describe(other, otherSize)
                            + "; the model declares " + declared(entry.getValue()));
                }
            }
        }
        if (compareUnnamedRows) {
            long rows = inputs[0].dim(0);
            for (int i = 1; i < inputs.length; i++) {
                if (inputs[i].dim(0) != rows) {
                    throw KubeServeException.invalidInput("inputs disagree on the batch size: '" + specs.get(i).name()
                            + "' has " + inputs[i].dim(0) + " rows, '" + specs.get(0).name() + "' " + rows);
                }
            }
        }
    }

    private String describe(Occurrence at, long size) {
        return "'" + specs.get(at.input()).name() + "' has " + size + " at axis " + at.axis();
    }

    private String declared(List<Occurrence> where) {
        StringBuilder text = new StringBuilder();
        for (Occurrence at : where) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            TensorSpec spec = specs.get(at.input());
            text.append(spec.name()).append(' ').append(namedShape(spec));
        }
        return text.toString();
    }

    private static String namedShape(TensorSpec spec) {
        long[] shape = spec.shape();
        StringBuilder text = new StringBuilder("[");
        for (int axis = 0; axis < shape.length; axis++) {
            if (axis > 0) {
                text.append(", ");
            }
            String name = spec.dimensionName(axis);
            text.append(shape[axis] < 0 && !name.isEmpty() ? name : String.valueOf(shape[axis]));
        }
        return text.append(']').toString();
    }
}
