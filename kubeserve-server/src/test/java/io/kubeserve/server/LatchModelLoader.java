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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test engine for {@code model.latch} files: echoes input {@code x} as output {@code y}, but a
 * call with a positive value in {@code x} first waits until the test opens the model's
 * {@link Gate}. Warm-up sends zeros, so it passes. The gate also records what reached the engine,
 * so a test can tell a request that never ran from one that ran late.
 *
 * <p>The loader is found by {@code ServiceLoader}, so the gates live in a static map keyed by model
 * name, where both the test and the engine find them; tests use a name of their own and
 * {@link #forget} it afterwards.
 */
public final class LatchModelLoader implements ModelLoader {

    private static final ConcurrentMap<String, Gate> GATES = new ConcurrentHashMap<>();

    /** What a test controls and sees of one latch model. */
    static final class Gate {
        private final CountDownLatch open = new CountDownLatch(1);
        private final AtomicInteger entered = new AtomicInteger();
        private final AtomicInteger returned = new AtomicInteger();
        private final List<Float> ran = new ArrayList<>();

        /** Lets every held call and every later one through. */
        void open() {
            open.countDown();
        }

        /** Engine calls that have started with positive inputs (warm-up is not counted). */
        int entered() {
            return entered.get();
        }

        /** Engine calls with positive inputs that have returned. */
        int returned() {
            return returned.get();
        }

        /** Every {@code x} value the engine was given, in the order the calls started (warm-up excluded). */
        List<Float> ran() {
            synchronized (ran) {
                return List.copyOf(ran);
            }
        }

        Map<String, Tensor> run(Tensor x) {
            float[] values = x.toFloatArray();
            boolean held = false;
            for (float value : values) {
                held |= value > 0;
            }
            if (!held) {
                return Map.of("y", x);
            }
            synchronized (ran) {
                for (float value : values) {
                    ran.add(value);
                }
            }
            entered.incrementAndGet();
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            returned.incrementAndGet();
            return Map.of("y", x);
        }
    }

    /** The gate of model {@code name}, made on first use (by the test or the loader, whichever comes first). */
    static Gate gate(String name) {
        return GATES.computeIfAbsent(name, key -> new Gate());
    }

    /** Opens the gate of {@code name}, so no engine call stays held, and drops it. */
    static void forget(String name) {
        Gate gate = GATES.remove(name);
        if (gate != null) {
            gate.open();
        }
    }

    @Override
    public String engine() {
        return "latch";
    }

    @Override
    public boolean supports(ModelSource source) {
        return source.fileName().endsWith(".latch");
    }

    @Override
    public Model load(ModelSource source) {
        Gate gate = gate(source.name());
        ModelMetadata metadata = new ModelMetadata(source.name(), source.version(), "test_latch",
                List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 1})),
                List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 1})), List.of());
        EnginePredictor predictor = EnginePredictor.scheduled(metadata, inputs -> gate.run(inputs[0]), source.config());
        return new LoadedModel(metadata, predictor, predictor::close);
    }
}
