package io.kubeserve.core.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * DJL's OnnxRuntime engine makes the process's environment with global thread pools that no
 * session of ours uses; {@link DjlRuntime} sizes them to the caller alone, so ONNX Runtime starts
 * no thread for them. Counted in a fresh JVM (the environment is made once a process), by the
 * threads whose Linux name is that of the thread that made the environment: a thread started by
 * native code inherits its creator's name.
 */
@EnabledOnOs(OS.LINUX)
class OrtGlobalThreadsTest {

    private static final String MAKER = "ort-env-maker";

    @Test
    void theEnvironmentStartsNoThreadOfItsOwn() throws Exception {
        assertThat(threadsStartedByTheEnvironment()).isZero();
    }

    @Test
    void poolSizesSetByTheOperatorAreKept() throws Exception {
        // three intra-op workers besides the caller, one inter-op worker
        assertThat(threadsStartedByTheEnvironment("-Dai.djl.onnxruntime.num_threads=4",
                "-Dai.djl.onnxruntime.num_interop_threads=2")).isEqualTo(4);
    }

    private static long threadsStartedByTheEnvironment(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        String last = output.strip().lines().reduce((first, second) -> second).orElse("");
        return Long.parseLong(last);
    }

    /** Makes the environment as the loader does, on a thread of a known name; prints the count. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            Thread maker = new Thread(OrtTypesTest::environment, MAKER);
            maker.start();
            maker.join();
            long count = 0;
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    if (Files.readString(task.resolve("comm")).strip().equals(MAKER)) {
                        count++;
                    }
                }
            }
            System.out.println(count);
        }
    }
}
