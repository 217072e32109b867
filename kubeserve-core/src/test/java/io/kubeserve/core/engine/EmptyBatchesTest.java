package io.kubeserve.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, kind 2: an engine that cannot run zero rows (see {@code ZeroRowsTest} for the real engines). */
class EmptyBatchesTest {

    @Test
    void anEngineThatRefusesZeroRowsIsAnsweredFromTheDeclaredShapes() {
        ModelMetadata declared = new ModelMetadata("m", "1", "test",
                List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4})),
                List.of(new TensorSpec("y", DataType.FP64, new long[] {-1, 2}),
                        new TensorSpec("names", DataType.BYTES, new long[] {-1})), List.of());
        EngineRunner refusing = inputs -> {
            throw KubeServeException.invalidInput("its TopK operator failed on them");
        };
        Map<String, Tensor> outputs = EnginePredictor.emptyBatchesAnswered(declared, refusing).run(new Tensor[] {Tensor.ofFloats(new long[] {0, 4})});
        assertThat(outputs.get("y").type()).isEqualTo(DataType.FP64);
        assertThat(outputs.get("y").shape()).containsExactly(0, 2);
        assertThat(outputs.get("names").type()).isEqualTo(DataType.BYTES);
        assertThat(outputs.get("names").shape()).containsExactly(0);

        ModelMetadata unknown = new ModelMetadata("m", "1", "test", declared.inputs(),
                List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, -1})), List.of());
        assertThatThrownBy(() -> EnginePredictor.emptyBatchesAnswered(unknown, refusing).run(new Tensor[] {Tensor.ofFloats(new long[] {0, 4})}))
                .isInstanceOfSatisfying(KubeServeException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("zero rows", "TopK", "does not declare the shapes");
                });
        // a refusal of a request with rows stays what it was
        assertThatThrownBy(() -> EnginePredictor.emptyBatchesAnswered(declared, refusing).run(new Tensor[] {Tensor.ofFloats(new long[] {1, 4}, 1, 2, 3, 4)}))
                .hasMessage("its TopK operator failed on them");
    }

    @Test
    void theWrapperKeepsTheEnginesAnswerOnInlineRuns() {
        ModelMetadata metadata = new ModelMetadata("m", "1", "test",
                List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4})),
                List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 4})), List.of());
        EngineRunner plain = inputs -> Map.of("y", inputs[0]);
        EngineRunner inline = new EngineRunner() {
            @Override
            public Map<String, Tensor> run(Tensor[] inputs) {
                return Map.of("y", inputs[0]);
            }

            @Override
            public boolean mayRunInline() {
                return true;
            }
        };
        assertThat(EnginePredictor.emptyBatchesAnswered(metadata, plain).mayRunInline()).isFalse();
        assertThat(EnginePredictor.emptyBatchesAnswered(metadata, inline).mayRunInline()).isTrue();
    }
}
