package io.kubeserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * CI's check that every benchmark still runs: each one, with each of its parameters, through the
 * JMH runner in this JVM, for one short warmup and one short measurement. It proves the setups
 * load the models, the server answers and no benchmark throws; it says nothing about speed, and
 * asserts nothing about it, because CI machines are shared.
 *
 * <p>The benchmarks to expect come from the list JMH's annotation processor wrote, so a benchmark
 * added to this module later is covered without touching this test.
 */
class BenchmarkSmokeTest {

    private static final String PACKAGE = BenchmarkSmokeTest.class.getPackageName();

    @Test
    void everyBenchmarkRunsAndProducesAScore() throws RunnerException {
        Options options = new OptionsBuilder()
                .include(PACKAGE.replace(".", "\\.") + "\\.")
                .forks(0)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(100))
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .timeUnit(TimeUnit.MICROSECONDS)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();

        Collection<RunResult> results = new Runner(options).run();

        Map<String, Integer> runsPerBenchmark = new TreeMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            double score = result.getPrimaryResult().getScore();
            System.out.printf("smoke %-70s %s %.3f %s%n", name, result.getParams().getParam("shape") == null
                    ? "" : result.getParams().getParam("shape"), score, result.getPrimaryResult().getScoreUnit());
            assertThat(score).as("score of %s", name).isFinite().isPositive();
            runsPerBenchmark.merge(name, 1, Integer::sum);
        }
        assertThat(declaredBenchmarks()).as("benchmarks JMH knows of")
                .contains(CodecBenchmark.class.getName() + ".v2JsonDecode",
                        PredictorBenchmark.class.getName() + ".mlpViaBareOrtSession",
                        ServerRoundTripBenchmark.class.getName() + ".v2JsonIris");
        assertThat(runsPerBenchmark.keySet()).containsExactlyElementsOf(declaredBenchmarks());
        // the V2 codec benchmarks run once per shape; the seed codec, which has no shape, once
        assertThat(runsPerBenchmark).containsEntry(CodecBenchmark.class.getName() + ".v2JsonDecode", 2)
                .containsEntry(CodecBenchmark.class.getName() + ".v2BinaryEncode", 2)
                .containsEntry(CodecBenchmark.class.getName() + ".seedDecodeEncodeOneRow", 1);
    }

    private static TreeSet<String> declaredBenchmarks() {
        TreeSet<String> names = new TreeSet<>();
        OutputFormat quiet = OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT);
        for (BenchmarkListEntry entry : BenchmarkList.defaultList().getAll(quiet, List.of())) {
            if (entry.getUsername().startsWith(PACKAGE + ".")) {
                names.add(entry.getUsername());
            }
        }
        return names;
    }
}
