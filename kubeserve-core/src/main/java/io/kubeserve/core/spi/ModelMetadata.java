package io.kubeserve.core.spi;

import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Objects;

/**
 * What a loaded model version declares about itself.
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
     */
    public ModelMetadata withClassNameOutput(String outputName) {
        if (classLabels.isEmpty() || outputs.stream().anyMatch(spec -> spec.name().equals(outputName))) {
            return this;
        }
        java.util.List<TensorSpec> all = new java.util.ArrayList<>(outputs);
        all.add(new TensorSpec(outputName, io.kubeserve.core.tensor.DataType.BYTES, new long[] {-1}));
        return new ModelMetadata(name, version, platform, inputs, all, classLabels);
    }

    public TensorSpec input(String inputName) {
        for (TensorSpec spec : inputs) {
            if (spec.name().equals(inputName)) {
                return spec;
            }
        }
        return null;
    }
}
