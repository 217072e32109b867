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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * A test engine for {@code model.slow} files: echoes input {@code x} as output {@code y}, after
 * sleeping the milliseconds of the file's first number when {@code x} is positive (warm-up sends zeros). It lets server tests fill queues and pass timeouts
 * with real scheduling in between, which the fast reference models cannot. A second number in the
 * file is how many milliseconds loading the model takes.
 */
public final class SlowModelLoader implements ModelLoader {

    @Override
    public String engine() {
        return "slow";
    }

    @Override
    public boolean supports(ModelSource source) {
        return source.fileName().endsWith(".slow");
    }

    @Override
    public Model load(ModelSource source) {
        long sleepMillis;
        long loadMillis;
        try {
            String[] numbers = Files.readString(source.modelFile()).trim().split("\\s+");
            sleepMillis = Long.parseLong(numbers[0]);
            loadMillis = numbers.length > 1 ? Long.parseLong(numbers[1]) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Thread.sleep(loadMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ModelMetadata metadata = new ModelMetadata(source.name(), source.version(), "test_slow",
                List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 1})),
                List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 1})), List.of());
        EnginePredictor predictor = EnginePredictor.scheduled(metadata, inputs -> {
            try {
                Thread.sleep(inputs[0].getFloat(0) > 0 ? sleepMillis : 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.<String, Tensor>of("y", inputs[0]);
        }, source.config());
        return new LoadedModel(metadata, predictor, predictor::close);
    }
}
