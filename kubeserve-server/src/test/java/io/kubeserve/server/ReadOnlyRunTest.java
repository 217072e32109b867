package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The server as a container runs it: its own process, a read-only working directory and home,
 * and only one writable directory, which {@code java.io.tmpdir}, {@code DJL_CACHE_DIR} and
 * {@code ENGINE_CACHE_DIR} point into (as {@code examples/Dockerfile} does with /tmp). It must load
 * both example models (PyTorch natives extracted into the writable directory), answer, and stop on
 * SIGTERM within the drain timeout.
 *
 * <p>The fat jar does not exist yet in the test phase, so the child runs {@code Main} on this JVM's
 * class path, which holds the same classes.
 */
class ReadOnlyRunTest {

    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
    private static final int DRAIN_SECONDS = 5;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private Path root;
    private Process process;

    @AfterEach
    void cleanUp() throws IOException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        if (root != null) {
            // the read-only directories must be writable again before they can be deleted
            try (Stream<Path> paths = Files.walk(root)) {
                paths.forEach(p -> p.toFile().setWritable(true));
            }
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void servesFromAReadOnlyWorkingDirectoryWithOnlyTmpWritable() throws Exception {
        root = Files.createTempDirectory("kubeserve-readonly");
        Path workDir = Files.createDirectory(root.resolve("work"));
        Path home = Files.createDirectory(root.resolve("home"));
        Path writable = Files.createDirectory(root.resolve("tmp"));
        Path djlCache = writable.resolve("djl");
        assertThat(workDir.toFile().setWritable(false, false)).isTrue();
        assertThat(home.toFile().setWritable(false, false)).isTrue();
        // root ignores permission bits: find out whether "read-only" means anything in this run
        boolean readOnlyEnforced = !canWrite(workDir) && !canWrite(home);

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + writable,
                // as examples/Dockerfile does: JNA would otherwise unpack into ~/.cache/JNA
                "-Djna.tmpdir=" + writable.resolve("jna"),
                // the JVM takes user.home from the password database, not from HOME: set both
                "-Duser.home=" + home,
                "-Xmx512m",
                "-cp", System.getProperty("java.class.path"),
                "io.kubeserve.server.Main",
                "--model-repository", RunningServer.EXAMPLES.toString(),
                "--host", "127.0.0.1",
                "--port", "0",
                "--grpc-port", "0",
                "--drain-timeout", String.valueOf(DRAIN_SECONDS)));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("HOME", home.toString());
        env.put("DJL_CACHE_DIR", djlCache.toString());
        env.put("ENGINE_CACHE_DIR", djlCache.toString());
        env.put("OPT_OUT_TRACKING", "true");
        // the parent's options (a debugger agent, a different tmpdir) must not leak into the child
        env.remove("JAVA_TOOL_OPTIONS");
        env.keySet().removeIf(key -> key.startsWith("KUBESERVE_"));
        process = builder.start();

        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> readLog(port, ready), "child-log");
        reader.setDaemon(true);
        reader.start();

        // first start extracts the PyTorch natives (~430 MB) into the empty cache: allow for it
        int listening = port.get(120, TimeUnit.SECONDS);
        ready.get(180, TimeUnit.SECONDS);
        assertThat(String.join("\n", log)).contains("ready in").doesNotContain("NOT ready");

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + listening + "/v2/models/iris/infer"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\","
                        + " \"shape\": [1, 4], \"data\": [5.1, 3.5, 1.4, 0.2]}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"setosa\"");

        // the TorchScript model went through DJL: its natives must have landed in the writable cache
        assertThat(djlCache.resolve("pytorch")).as("DJL engine cache").isDirectory();

        assertThat(process.isAlive()).as("still running before SIGTERM; log:\n%s", String.join("\n", log)).isTrue();
        long stopStart = System.nanoTime();
        process.destroy();   // SIGTERM, as the kubelet sends it
        boolean exited = process.waitFor(DRAIN_SECONDS + 15, TimeUnit.SECONDS);
        assertThat(exited).as("exited within the drain timeout; log:\n%s", String.join("\n", log)).isTrue();
        assertThat(process.exitValue()).as("exit status; log:\n%s", String.join("\n", log)).isZero();
        reader.join(5_000);
        // the drain itself (every request finished, the closing "stopped" line) is ProcessShutdownTest's

        // true even where the permission bits were not enforced: nothing tried to write there
        assertThat(listing(workDir)).as("files written into the working directory").isEmpty();
        assertThat(listing(home)).as("files written into the home directory").isEmpty();

        long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStart);
        String unenforced = "running as root, so the read-only permission bits were not "
                + "enforced: the server ran, answered and stopped (exit " + process.exitValue() + " after " + stopMillis
                + " ms) and wrote nothing into its working or home directory, but a write there would not have failed";
        if (!readOnlyEnforced) {
            // surefire keeps an assumption's text in its report only: say it where the run is read
            System.out.println("ReadOnlyRunTest: skipped: " + unenforced);
        }
        Assumptions.assumeTrue(readOnlyEnforced, unenforced);
    }

    private void readLog(CompletableFuture<Integer> port, CompletableFuture<Void> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                log.add(line);
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    port.complete(Integer.parseInt(matcher.group(1)));
                }
                if (line.contains(" in ") && (line.contains("ready in") || line.contains("NOT ready"))) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            // the stream closes when the process dies; whatever waits will time out with the log
        }
        IllegalStateException ended = new IllegalStateException("server ended early; log:\n" + String.join("\n", log));
        port.completeExceptionally(ended);
        ready.completeExceptionally(ended);
    }

    private static boolean canWrite(Path dir) {
        Path probe = dir.resolve("probe");
        try {
            Files.writeString(probe, "x");
            Files.delete(probe);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
