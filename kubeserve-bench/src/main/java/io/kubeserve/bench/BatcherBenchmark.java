package io.kubeserve.bench;

import io.kubeserve.core.engine.EngineRunner;
import io.kubeserve.core.engine.ModelScheduler;
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
 * input): the call straight on the engine, then through a {@link ModelScheduler} unbatched (the
 * default for models without {@code max_batch_size}) and with dynamic batching and no queue delay.
 * Both scheduled paths queue the request and hand it to the model's execution thread, and the
 * caller waits for the answer, so the figure is the price of that hand-off each way. One caller
 * thread, so batches are of one request: not batching's gain (the load harness shows that).
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
    private ModelScheduler unbatched;
    private ModelScheduler batched;

    @Setup
    public void setUp() {
        row = new Tensor[] {Tensor.ofFloats(new long[] {1, 4}, 5.1f, 3.5f, 1.4f, 0.2f)};
        unbatched = new ModelScheduler(echo, "echo-v1", ModelScheduler.Settings.unbatched(1, 64));
        batched = new ModelScheduler(echo, "echo-batched-v1", new ModelScheduler.Settings(1, 32, 0, List.of(), 64, 0));
        // the same answer on every path, or the figures compare different work
        for (ModelScheduler scheduler : List.of(unbatched, batched)) {
            Tensor answer = scheduler.submit(row).join().get("y");
            if (answer.getFloat(0) != 5.1f || answer.dim(0) != 1 || answer.dim(1) != 4) {
                throw new IllegalStateException("scheduler answered " + answer + " for the echo engine");
            }
        }
    }

    @TearDown
    public void tearDown() {
        unbatched.close();
        batched.close();
    }

    @Benchmark
    public Map<String, Tensor> engineDirect() {
        return echo.run(row);
    }

    @Benchmark
    public Map<String, Tensor> schedulerUnbatched() {
        return unbatched.submit(row).join();
    }

    @Benchmark
    public Map<String, Tensor> batcherHandOff() {
        return batched.submit(row).join();
    }
}
