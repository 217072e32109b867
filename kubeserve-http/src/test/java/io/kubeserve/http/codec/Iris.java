package io.kubeserve.http.codec;

import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The iris classifier as skl2onnx exports it, described by hand. */
final class Iris {

    static final ModelMetadata MODEL = new ModelMetadata("iris", "1", "onnxruntime_onnx",
            List.of(new TensorSpec("float_input", DataType.FP32, new long[] {-1, 4})),
            List.of(new TensorSpec("output_label", DataType.INT64, new long[] {-1}),
                    new TensorSpec("output_probability", DataType.FP32, new long[] {-1, 3})),
            List.of("setosa", "versicolor", "virginica"));

    static final ModelMetadata UNLABELLED = new ModelMetadata("iris", "1", "onnxruntime_onnx",
            MODEL.inputs(), MODEL.outputs(), List.of());

    private Iris() {
    }

    /** Two rows: setosa (0.97) and virginica (0.8). */
    static InferenceResponse response(String id) {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("output_label", Tensor.ofLongs(new long[] {2}, 0, 2));
        outputs.put("output_probability", Tensor.ofFloats(new long[] {2, 3}, 0.97f, 0.02f, 0.01f, 0.1f, 0.1f, 0.8f));
        outputs.put("class_name", Tensor.ofStrings(new long[] {2}, "setosa", "virginica"));
        return new InferenceResponse(id, "iris", "1", outputs);
    }
}
