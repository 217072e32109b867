package io.kubeserve.core.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL's OnnxRuntime engine makes the process's environment with global thread pools that no
 * session of ours uses; {@link DjlRuntime} sizes them to the caller alone, so ONNX Runtime starts
 * no thread for them. Checked in a fresh JVM (the environment is made once a process): the pool
 * sizes DJL reads, and the threads whose Linux name is that of the thread that made the
 * environment (a thread started by native code inherits its creator's name). On a machine of one
 * physical core ONNX Runtime would start none by default either; the sizes say it on any machine.
 */
@EnabledOnOs(OS.LINUX)
class OrtGlobalThreadsTest {

    private static final String MAKER = "ort-env-maker";
    private static final String INTRA = "ai.djl.onnxruntime.num_threads";
    private static final String INTER = "ai.djl.onnxruntime.num_interop_threads";

    @TempDir
    Path dir;

    @Test
    void theEnvironmentStartsNoThreadOfItsOwn() throws Exception {
        assertThat(child(Map.of())).isEqualTo(new Outcome("1", "1", 0));
    }

    @Test
    void poolSizesSetByTheOperatorAreKept() throws Exception {
        // three intra-op workers besides the caller, one inter-op worker
        assertThat(child(Map.of(), "-D" + INTRA + "=4", "-D" + INTER + "=2")).isEqualTo(new Outcome("4", "2", 4));
    }

    @Test
    void anEnvironmentVariableOfThatNameDoesNotStopTheDefault() throws Exception {
        // DJL reads these as system properties only: a variable would change nothing, so ours stands
        assertThat(child(Map.of(INTRA, "8", INTER, "8"))).isEqualTo(new Outcome("1", "1", 0));
    }

    record Outcome(String intraOpThreads, String interOpThreads, long threadsStarted) {
    }

    private Outcome child(Map<String, String> environment, String... jvmOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Path output = Files.createTempFile(dir, "child", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        // options the JVM or its launcher would take from the environment are not the test's
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        boolean exited = process.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(exited).as("the child exited; it printed: %s", printed).isTrue();
        assertThat(process.exitValue()).as(printed).isZero();
        String[] last = printed.strip().lines().reduce((first, second) -> second).orElse("").split(" ");
        assertThat(last).as(printed).hasSize(3);
        return new Outcome(last[0], last[1], Long.parseLong(last[2]));
    }

    /** Makes the environment as the loader does, on a thread of a known name; prints the sizes and the count. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            Thread maker = new Thread(OrtTypesTest::environment, MAKER);
            maker.start();
            maker.join();
            long count = 0;
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        if (Files.readString(task.resolve("comm")).strip().equals(MAKER)) {
                            count++;
                        }
                    } catch (NoSuchFileException ended) {
                        // a thread that ended while we looked: not one of the environment's
                    }
                }
            }
            System.out.println(System.getProperty(INTRA) + " " + System.getProperty(INTER) + " " + count);
        }
    }
}
