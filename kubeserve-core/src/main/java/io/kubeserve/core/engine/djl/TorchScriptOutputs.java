package io.kubeserve.core.engine.djl;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Names what a TorchScript module returned after the model's declared outputs.
 *
 * <p>DJL flattens a returned tuple or list (nested ones too) into its tensors in order, and gives
 * each tensor of a returned {@code Dict[str, Tensor]} (also one inside a tuple) its key as the
 * NDArray's name. So: a tensor with a key is the declared output of that name, wherever it stands;
 * the tensors without one take, in order, the declared names that no key took. Binding a dict by
 * position would hand {@code label} the probabilities when the config lists the outputs in another
 * order than the dict's insertion order.
 *
 * <p>What the model returns must be what the config declares: a key that no declared output has,
 * more or fewer tensors, or another datatype fails the call with a message naming both sides; the
 * loader runs the model once, so such a model fails its load rather than mislabel answers.
 * Without declared outputs, tensors are named by their key, else {@code output}, {@code output1}, ...
 */
final class TorchScriptOutputs {

    private final String model;
    private final List<TensorSpec> declared;

    TorchScriptOutputs(String model, List<TensorSpec> declared) {
        this.model = model;
        this.declared = List.copyOf(declared);
    }

    /**
     * @param keys    each returned tensor's dict key, or null for one that came from no dict
     * @param tensors the returned tensors, in DJL's flattened order
     * @return the tensors by output name, in the declared order when outputs are declared
     */
    Map<String, Tensor> bind(List<String> keys, List<Tensor> tensors) {
        if (declared.isEmpty()) {
            return undeclared(keys, tensors);
        }
        if (tensors.size() != declared.size()) {
            throw mismatch("returns " + tensors.size() + " tensors " + describe(keys, tensors) + ", but "
                    + declared.size() + " outputs are declared");
        }
        Tensor[] bound = new Tensor[declared.size()];
        for (int i = 0; i < tensors.size(); i++) {
            String key = keys.get(i);
            if (key == null) {
                continue;
            }
            int index = indexOf(key);
            if (index < 0) {
                throw mismatch("returns a dict whose key '" + key + "' names no declared output");
            }
            if (bound[index] != null) {
                throw mismatch("returns the key '" + key + "' twice");
            }
            bound[index] = tensors.get(i);
        }
        int next = 0;
        for (int i = 0; i < tensors.size(); i++) {
            if (keys.get(i) == null) {
                while (bound[next] != null) {
                    next++;
                }
                bound[next] = tensors.get(i);
            }
        }
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (int i = 0; i < bound.length; i++) {
            TensorSpec spec = declared.get(i);
            Tensor tensor = bound[i];
            if (tensor.type() != spec.type() || !shapeFits(spec.shape(), tensor.shape())) {
                throw mismatch("returns " + tensor.type() + Arrays.toString(tensor.shape()) + " as output '"
                        + spec.name() + "', declared " + spec.type() + spec.shapeText());
            }
            named.put(spec.name(), tensor);
        }
        return named;
    }

    private Map<String, Tensor> undeclared(List<String> keys, List<Tensor> tensors) {
        Map<String, Tensor> named = new LinkedHashMap<>();
        Set<String> keysGiven = new HashSet<>();
        for (String key : keys) {
            if (key != null) {
                keysGiven.add(key);
            }
        }
        int unnamed = 0;
        for (int i = 0; i < tensors.size(); i++) {
            String name = keys.get(i);
            while (name == null || named.containsKey(name)) {
                String candidate = unnamed == 0 ? "output" : "output" + unnamed;
                unnamed++;
                if (!keysGiven.contains(candidate) && !named.containsKey(candidate)) {
                    name = candidate;
                }
            }
            named.put(name, tensors.get(i));
        }
        return named;
    }

    private int indexOf(String name) {
        for (int i = 0; i < declared.size(); i++) {
            if (declared.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Same rank, and every fixed dimension the same. */
    private static boolean shapeFits(long[] spec, long[] actual) {
        if (spec.length != actual.length) {
            return false;
        }
        for (int i = 0; i < spec.length; i++) {
            if (spec[i] >= 0 && spec[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<String> keys, List<Tensor> tensors) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor tensor = tensors.get(i);
            parts.add((keys.get(i) == null ? "" : "'" + keys.get(i) + "' ") + tensor.type()
                    + Arrays.toString(tensor.shape()));
        }
        return parts.toString();
    }

    private KubeServeException mismatch(String what) {
        List<String> names = declared.stream().map(spec -> spec.name() + " " + spec.type() + spec.shapeText()).toList();
        return KubeServeException.internal("TorchScript model '" + model + "' " + what + "; config.json declares "
                + "the outputs " + names + " (a dict output is matched by key, a tuple or list by position)", null);
    }
}
