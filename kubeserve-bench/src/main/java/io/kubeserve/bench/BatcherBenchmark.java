package io.kubeserve.bench;

import io.kubeserve.core.batch.ConcurrencyLimiter;
import io.kubeserve.core.batch.DynamicBatcher;
import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What scheduling adds to an engine call, with an engine that does nearly nothing (it returns its
 * input): the call straight on the engine, through the concurrency limit (the default for
 * unbatched models), and through the dynamic batcher with no queue delay, which hands each
 * request to a batching thread and back. One caller thread, so batches are of one request: the
 * figure is the hand-off's price, not batching's gain (the load harness shows that).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatcherBenchmark {

    private final EngineRunner echo = inputs -> Map.of("y", inputs[0]);
    private Tensor[] row;
    private ConcurrencyLimiter limiter;
    private DynamicBatcher batcher;

    @Setup
    public void setUp() {
        row = new Tensor[] {Tensor.ofFloats(new long[] {1, 4}, 5.1f, 3.5f, 1.4f, 0.2f)};
        limiter = new ConcurrencyLimiter(echo, "echo", 1, 64, 0);
        batcher = new DynamicBatcher(echo, "echo", 1, 32, 0, List.of(), 64, 0);
    }

    @TearDown
    public void tearDown() {
        batcher.close();
    }

    @Benchmark
    public Map<String, Tensor> engineDirect() {
        return echo.run(row);
    }

    @Benchmark
    public Map<String, Tensor> concurrencyLimit() {
        return limiter.run(row);
    }

    @Benchmark
    public Map<String, Tensor> batcherHandOff() {
        return batcher.run(row);
    }
}
