package io.kubeserve.server;

import io.kubeserve.core.engine.EnginePredictor;
import io.kubeserve.core.engine.LoadedModel;
import io.kubeserve.core.spi.Model;
import io.kubeserve.core.spi.ModelLoader;
import io.kubeserve.core.spi.ModelMetadata;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.Tensor;
import io.kubeserve.core.tensor.TensorSpec;
import java.util.List;
import java.util.Map;

/**
 * A test engine for {@code model.throws} files: echoes input {@code x} as output {@code y} when it
 * is zero or less (so warm-up passes and the model loads), and throws a plain
 * {@link IllegalStateException} carrying internal detail when it is positive: an engine bug, as
 * opposed to the checked failures real engines report.
 */
public final class ThrowingModelLoader implements ModelLoader {

    /** What the engine's exception says; a client must never see it. */
    static final String SECRET = "engine state corrupt at /opt/secret/weights.bin";

    @Override
    public String engine() {
        return "throws";
    }

    @Override
    public boolean supports(ModelSource source) {
        return source.fileName().endsWith(".throws");
    }

    @Override
    public Model load(ModelSource source) {
        ModelMetadata metadata = new ModelMetadata(source.name(), source.version(), "test_throws",
                List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 1})),
                List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 1})), List.of());
        EnginePredictor predictor = EnginePredictor.scheduled(metadata, inputs -> {
            if (inputs[0].getFloat(0) > 0) {
                throw new IllegalStateException(SECRET);
            }
            return Map.<String, Tensor>of("y", inputs[0]);
        }, source.config());
        return new LoadedModel(metadata, predictor, predictor::close);
    }
}
