package io.kubeserve.core.spi;

import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Objects;

/**
 * What a loaded model version declares about itself. Immutable (the lists are copies) and safe to
 * share between threads.
 *
 * @param name        model name, as clients address it
 * @param version     version label (the repository directory name, e.g. {@code "1"})
 * @param platform    engine and format, Triton style: {@code onnxruntime_onnx}, {@code pytorch_torchscript}
 * @param inputs      the inputs it takes
 * @param outputs     the outputs it gives
 * @param classLabels class names by class index, empty when the model has none
 */
public record ModelMetadata(String name, String version, String platform, List<TensorSpec> inputs,
                            List<TensorSpec> outputs, List<String> classLabels) {

    /**
     * Copies the lists.
     *
     * @param name        model name
     * @param version     version label
     * @param platform    engine and format, e.g. {@code onnxruntime_onnx}
     * @param inputs      the inputs, in the order the engine takes them
     * @param outputs     the outputs, in the order the engine gives them
     * @param classLabels class names by class index; null for none
     * @throws NullPointerException when {@code name}, {@code version}, {@code platform}, {@code inputs}
     *         or {@code outputs} is null; null {@code classLabels} means none
     */
    public ModelMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(platform, "platform");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        classLabels = classLabels == null ? List.of() : List.copyOf(classLabels);
    }

    /**
     * The metadata with the {@code class_name} BYTES output declared, which predictors add for
     * classifiers with labels; unchanged when there are no labels or it is declared already.
     *
     * @param outputName the output's name, {@link Classification#CLASS_NAME_OUTPUT}
     * @return this metadata, or a copy with a BYTES output of shape {@code [-1]} added last
     */
    public ModelMetadata withClassNameOutput(String outputName) {
        if (classLabels.isEmpty() || outputs.stream().anyMatch(spec -> spec.name().equals(outputName))) {
            return this;
        }
        java.util.List<TensorSpec> all = new java.util.ArrayList<>(outputs);
        all.add(new TensorSpec(outputName, io.kubeserve.core.tensor.DataType.BYTES, new long[] {-1}));
        return new ModelMetadata(name, version, platform, inputs, all, classLabels);
    }

    /**
     * One declared input by name.
     *
     * @param inputName the input's name
     * @return its spec, or null when the model has no input by that name
     */
    public TensorSpec input(String inputName) {
        for (TensorSpec spec : inputs) {
            if (spec.name().equals(inputName)) {
                return spec;
            }
        }
        return null;
    }
}
