package io.kubeserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubeserve-server-onnx.jar, the build without PyTorch, as a process on the example repository
 * (an ONNX model and a TorchScript one): the ONNX model serves the reference answers, the
 * TorchScript model's load fails with a message that says which build to use, and the server is
 * ready with the model that loaded.
 */
class OnnxOnlyJarTest {

    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
    private static final String NO_PYTORCH = "this build has no PyTorch engine: use the full image/jar";

    @TempDir
    Path dir;

    private Process process;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    void onnxJarServesOnnxModelsAndRefusesTorchScriptClearly() throws Exception {
        Path jar = ROOT_JAR;
        assertThat(jar).as("run mvn package (or verify): kubeserve-server shades it").isRegularFile();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            // no PyTorch inside, and ONNX Runtime's natives for linux-x64 only
            assertThat(zip.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("ai/djl/pytorch/") || n.startsWith("pytorch/") || n.startsWith("jnilib/")))
                    .isEmpty();
            assertThat(zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("ai/onnxruntime/native/") && !n.endsWith("/"))
                    .map(n -> n.split("/")[3]).distinct()).containsExactly("linux-x64");
        }
        Path repo = dir.resolve("models");
        for (String model : List.of("iris", "mlp")) {
            copyTree(Reference.ROOT.resolve("examples/models").resolve(model), repo.resolve(model));
        }
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                // every class the JVM loads, to show no PyTorch class was even looked at
                "-Xlog:class+load=info:file=" + dir.resolve("classes.log"),
                "-jar", jar.toString(), "--model-repository", repo.toString(), "--host", "127.0.0.1", "--port", "0",
                "--grpc-port", "0").redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    log.add(line);
                }
            } catch (java.io.IOException e) {
                log.add("reader: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> !process.isAlive() || log.stream().anyMatch(l -> l.contains("ready in")));
        assertThat(process.isAlive()).as("server running; log:\n%s", String.join("\n", log)).isTrue();
        int port = log.stream().map(LISTENING::matcher).filter(Matcher::find).map(m -> Integer.parseInt(m.group(1)))
                .findFirst().orElseThrow();
        String base = "http://127.0.0.1:" + port;

        assertThat(Reference.get(base, "/v2/health/ready").statusCode()).isEqualTo(200);
        Reference.assertIris(base, "iris");

        HttpResponse<String> mlp = Reference.post(base, "/v2/models/mlp/infer",
                Reference.v2Request(Reference.expected("mlp_torch"), "input"));
        assertThat(mlp.statusCode()).isEqualTo(503);
        assertThat(Reference.JSON.readTree(mlp.body()).get("error").asText()).contains(NO_PYTORCH);
        assertThat(log).anyMatch(l -> l.contains("mlp version 1 failed to load") && l.contains(NO_PYTORCH));
        assertThat(Files.readAllLines(dir.resolve("classes.log"))).noneMatch(l -> l.contains("ai.djl.pytorch"))
                .anyMatch(l -> l.contains("ai.onnxruntime.OrtSession "));
        System.out.printf("OnnxOnlyJarTest: %s is %d MB; mlp answered %d %s%n", jar.getFileName(),
                Files.size(jar) / 1_000_000, mlp.statusCode(), mlp.body());
    }

    private static final Path ROOT_JAR = Reference.ROOT.resolve("kubeserve-server/target/kubeserve-server-onnx.jar");

    static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
