package io.kubeserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real images, built by {@code examples/container/build-images.sh} from the jars this build
 * shaded, run as a locked-down pod runs them: read-only root, UID 10001, no capabilities, no new
 * privileges, {@code /tmp} a {@code noexec} tmpfs, the example models mounted read-only at
 * {@code /models}. Each variant must answer the reference outputs, serve {@code /metrics}, load
 * its natives from the image (never from {@code /tmp}, where nothing big may be written) and use
 * the CDS archive; SIGTERM with requests in flight must let them all finish and exit 0 within
 * the drain timeout. Prints image sizes, start times with and without the CDS archive (one run
 * each), RSS after start and what {@code /tmp} holds.
 *
 * <p>Skips, saying why, where Docker is not usable. Building the local base image (debootstrap)
 * needs root the first time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageTest {

    private static final String VERSION = System.getProperty("kubeserve.version", "0.1.0-SNAPSHOT");
    private static final String BASE = System.getenv().getOrDefault("KUBESERVE_BASE_IMAGE", "kubeserve/jre17-base:bookworm");
    private static final int DRAIN_SECONDS = 10;
    private static final String NO_PYTORCH = "this build has no PyTorch engine: use the full image/jar";

    private final List<String> containers = new ArrayList<>();

    @TempDir
    Path dir;

    /** Why the container test skips here; null when Docker is usable. */
    private static String unusable;

    @BeforeAll
    static void buildImages(@TempDir Path log) throws Exception {
        unusable = whyDockerIsUnusable(log);
        if (unusable != null) {
            // Surefire counts nothing for a class whose @BeforeAll gives up: say it in the log here, and
            // each test skips itself with the same reason (skipWhereDockerIsUnusable)
            System.out.println("ContainerImageTest: skipped: " + unusable);
            return;
        }
        for (String jar : List.of("kubeserve-server.jar", "kubeserve-server-onnx.jar")) {
            assertThat(Reference.ROOT.resolve("kubeserve-server/target").resolve(jar))
                    .as("run mvn verify: kubeserve-server's package phase shades it").isRegularFile();
        }
        long start = System.nanoTime();
        Result build = run(log, 540, List.of(Reference.ROOT.resolve("examples/container/build-images.sh").toString()));
        assertThat(build.exit()).as("build-images.sh:\n%s", build.output()).isZero();
        System.out.printf("ContainerImageTest: images built in %d s:%n%s%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), build.output().strip());
        for (String variant : List.of("onnx", "full")) {
            long size = Long.parseLong(docker(log, 30, "image", "inspect", "-f", "{{.Size}}",
                    "kubeserve/server:" + VERSION + "-" + variant).output().strip());
            System.out.printf("ContainerImageTest: kubeserve/server:%s-%s is %d MB%n", VERSION, variant, size / 1_000_000);
        }
    }

    private static String whyDockerIsUnusable(Path log) throws Exception {
        if (docker(log, 30, "info").exit() != 0) {
            return "docker is not usable here (no docker CLI, or no daemon answering `docker info`; the CLI is"
                    + " $DOCKER, default docker)";
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && docker(log, 30, "image", "inspect", BASE).exit() != 0 && System.getenv("BASE_IMAGE") == null) {
            return "the local base image " + BASE + " is missing and making it (debootstrap) needs root";
        }
        return null;
    }

    @BeforeEach
    void skipWhereDockerIsUnusable() {
        Assumptions.assumeTrue(unusable == null, () -> "the container test skips: " + unusable);
    }

    @AfterEach
    void removeContainers() throws Exception {
        for (String name : containers) {
            docker(dir, 30, "rm", "-f", name);
        }
    }

    @Test
    @Order(1)
    void onnxImageServesOnnxAndSaysWhyTorchScriptIsNot() throws Exception {
        Started server = start("onnx", true);
        Reference.assertIris(server.base(), "iris");
        HttpResponse<String> mlp = Reference.post(server.base(), "/v2/models/mlp/infer",
                Reference.v2Request(Reference.expected("mlp_torch"), "input"));
        assertThat(mlp.statusCode()).isEqualTo(503);
        assertThat(Reference.JSON.readTree(mlp.body()).get("error").asText()).contains(NO_PYTORCH);
        checkRunningContainer(server, false);
        drainOnSigterm(server);
    }

    @Test
    @Order(2)
    void fullImageServesOnnxAndTorchScript() throws Exception {
        Started server = start("full", true);
        Reference.assertIris(server.base(), "iris");
        Reference.assertMlp(server.base(), "mlp");
        // the Python the worker engine needs is there, with the packages it imports
        Result python = docker(dir, 60, "exec", server.name(), "python3", "-c",
                "import numpy, sklearn, joblib; print(sklearn.__version__)");
        assertThat(python.exit()).as(python.output()).isZero();
        checkRunningContainer(server, true);
        drainOnSigterm(server);
    }

    @Test
    @Order(3)
    void startTimesWithoutTheCdsArchiveForComparison() throws Exception {
        for (String variant : List.of("onnx", "full")) {
            Started server = start(variant, false);
            Reference.assertIris(server.base(), "iris");
            docker(dir, 30, "rm", "-f", server.name());
        }
    }

    private record Started(String name, String base, long readyMillis, long firstPredictionMillis) {
    }

    /** Runs the image locked down; waits for ready; times launch to ready and to a first prediction. */
    private Started start(String variant, boolean cds) throws Exception {
        String name = "kubeserve-test-" + variant + "-" + ProcessHandle.current().pid() + "-" + containers.size();
        containers.add(name);
        List<String> command = new ArrayList<>(List.of("run", "-d", "--name", name,
                "--read-only", "--user", "10001:10001", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--tmpfs", "/tmp:noexec,size=64m", "--memory", "1g",
                "-v", Reference.ROOT.resolve("examples/models") + ":/models:ro",
                "-p", "127.0.0.1::8080", "-p", "127.0.0.1::8081"));
        if (!cds) {
            // the image's ENTRYPOINT without -XX:SharedArchiveFile
            command.addAll(List.of("--entrypoint", "java"));
        }
        command.add("kubeserve/server:" + VERSION + "-" + variant);
        if (!cds) {
            command.addAll(List.of("-Donnxruntime.native.path=/opt/kubeserve/native/onnxruntime",
                    "-Djava.library.path=/opt/kubeserve/native/lib", "-Djna.boot.library.path=/opt/kubeserve/native/lib",
                    "-cp", "/opt/kubeserve/kubeserve-server.jar", "io.kubeserve.server.Main"));
        }
        command.addAll(List.of("--model-repository", "/models", "--port", "8080", "--grpc-port", "8081",
                "--drain-timeout", String.valueOf(DRAIN_SECONDS)));
        long launch = System.nanoTime();
        Result run = docker(dir, 60, command.toArray(String[]::new));
        assertThat(run.exit()).as(run.output()).isZero();
        String port = docker(dir, 30, "port", name, "8080/tcp").output().strip().lines().findFirst().orElseThrow();
        String base = "http://" + port;
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
            try {
                return Reference.get(base, "/v2/health/ready").statusCode() == 200;
            } catch (IOException e) {
                assertThat(docker(dir, 30, "inspect", "-f", "{{.State.Running}}", name).output().strip())
                        .as("container running; logs:\n%s", docker(dir, 30, "logs", name).output()).isEqualTo("true");
                return false;
            }
        });
        long ready = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launch);
        HttpResponse<String> first = Reference.post(base, "/v1/models/iris:predict", "{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}");
        long firstPrediction = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launch);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        // the server's own figure, from its start (after the JVM's, the command line and logging) to ready
        Matcher readyIn = Pattern.compile("KubeServeServer - ready in (\\d+) ms").matcher(docker(dir, 30, "logs", name).output());
        System.out.printf("ContainerImageTest: %s %s CDS: launch -> ready %d ms, launch -> first prediction %d ms"
                        + " (docker run included); server start -> ready %s ms (server log)%n", variant, cds ? "with" : "without",
                ready, firstPrediction, readyIn.find() ? readyIn.group(1) : "?");
        return new Started(name, base, ready, firstPrediction);
    }

    /** /metrics, CDS in use, natives from the image, /tmp nearly empty; prints RSS and /tmp. */
    private void checkRunningContainer(Started server, boolean pytorch) throws Exception {
        HttpResponse<String> metrics = Reference.get(server.base(), "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE").contains("jvm_");

        // address perms offset dev inode path
        List<String[]> maps = docker(dir, 30, "exec", server.name(), "cat", "/proc/1/maps").output().lines()
                .map(l -> l.trim().split("\\s+", 6)).filter(f -> f.length == 6 && f[5].startsWith("/")).toList();
        List<String> mapped = maps.stream().map(f -> f[5]).distinct().toList();
        assertThat(mapped).contains("/opt/kubeserve/kubeserve.jsa")
                .contains("/opt/kubeserve/native/onnxruntime/libonnxruntime.so")
                .contains("/opt/kubeserve/native/lib/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so");
        // no code from /tmp (the JVM's own perf-data file, hsperfdata, is mapped from there, not executable)
        assertThat(maps).noneMatch(f -> f[5].startsWith("/tmp") && f[1].contains("x"));
        if (pytorch) {
            assertThat(mapped).anyMatch(p -> p.startsWith("/opt/kubeserve/native/djl/pytorch/") && p.endsWith("/libtorch_cpu.so"))
                    .anyMatch(p -> p.startsWith("/opt/kubeserve/native/djl/pytorch/") && p.endsWith("libdjl_torch.so"))
                    // DJL asks JNA for CUDA: JNA's stub comes from the image too, not unpacked into /tmp
                    .contains("/opt/kubeserve/native/lib/libjnidispatch.so");
        }
        String status = docker(dir, 30, "exec", server.name(), "cat", "/proc/1/status").output();
        String rss = status.lines().filter(l -> l.startsWith("VmRSS:")).findFirst().orElse("VmRSS: ?").substring(6).strip();
        // every file under /tmp with its size in bytes
        Result tmp = docker(dir, 30, "exec", server.name(), "find", "/tmp", "-mindepth", "1", "-printf", "%s %p\\n");
        assertThat(tmp.exit()).as(tmp.output()).isZero();
        List<String> files = tmp.output().lines().filter(l -> !l.isBlank()).toList();
        long bytes = files.stream().mapToLong(l -> Long.parseLong(l.split(" ", 2)[0])).sum();
        System.out.printf("ContainerImageTest: %s after start: RSS %s; /tmp holds %d entries, %d bytes: %s%n",
                server.name(), rss, files.size(), bytes, files);
        assertThat(bytes).as("/tmp after start: %s", files).isLessThan(1_000_000);
    }

    /**
     * SIGTERM (as the kubelet sends it, via {@code docker kill}) while 16 large requests are in
     * flight: all of them complete with 200 and the container exits 0 within the drain timeout.
     */
    private void drainOnSigterm(Started server) throws Exception {
        StringBuilder rows = new StringBuilder();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            rows.append(i == 0 ? "" : ",").append("5.1,3.5,1.4,0.2");
        }
        String body = "{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[" + n + ",4],\"data\":[" + rows + "]}]}";
        HttpRequest infer = HttpRequest.newBuilder(URI.create(server.base() + "/v2/models/iris/infer"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        List<CompletableFuture<String>> inFlight = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            inFlight.add(Reference.CLIENT.sendAsync(infer, HttpResponse.BodyHandlers.ofString())
                    .handle((r, e) -> r != null ? String.valueOf(r.statusCode()) : e.getClass().getSimpleName()));
        }
        // once one answer is back, all sixteen have been received by the server
        CompletableFuture.anyOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long pending = inFlight.stream().filter(f -> !f.isDone()).count();
        long signal = System.nanoTime();
        assertThat(docker(dir, 30, "kill", "--signal", "TERM", server.name()).exit()).isZero();
        Result wait = docker(dir, DRAIN_SECONDS + 30, "wait", server.name());
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signal);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (CompletableFuture<String> future : inFlight) {
            outcomes.merge(future.get(30, TimeUnit.SECONDS), 1, Integer::sum);
        }
        String logs = docker(dir, 30, "logs", server.name()).output();
        System.out.printf("ContainerImageTest: %s SIGTERM with %d of 16 requests unanswered: outcomes %s, exit %s after %d ms"
                + " (drain timeout %d s)%n", server.name(), pending, outcomes, wait.output().strip(), exitMillis, DRAIN_SECONDS);
        assertThat(pending).as("requests still in flight at the signal").isPositive();
        assertThat(outcomes).as("logs:\n%s", logs).containsOnlyKeys("200");
        assertThat(wait.output().strip()).as("exit code; logs:\n%s", logs).isEqualTo("0");
        assertThat(exitMillis).isLessThan(TimeUnit.SECONDS.toMillis(DRAIN_SECONDS + 5));
        assertThat(logs).contains("KubeServeServer - stopped").doesNotContain("drain timeout; stopping anyway");
    }

    private record Result(int exit, String output) {
    }

    private static Result docker(Path dir, int timeoutSeconds, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(System.getenv().getOrDefault("DOCKER", "docker"));
        command.addAll(List.of(args));
        return run(dir, timeoutSeconds, command);
    }

    /** Runs {@code command}, output and errors together in a file; exit 127 if it cannot start. */
    private static Result run(Path dir, int timeoutSeconds, List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "cmd", ".log");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n"
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return new Result(process.exitValue(), output.lines()
                .filter(l -> !l.startsWith("DEPRECATED: The legacy builder") && !l.contains("buildx") && !l.contains("go/buildx"))
                .collect(Collectors.joining("\n")));
    }
}
