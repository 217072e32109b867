package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Small helpers of the server tests that start tools or need a free port. */
final class TestTools {

    /**
     * What an error message must never hold, over either protocol: a stack frame, a package-qualified
     * name of the JDK, ours or a library's, or an exception's class name before its message.
     */
    static final Pattern LEAKED_INTERNALS = Pattern.compile("\\tat |\\b(java|javax|io\\.kubeserve|com\\.fasterxml"
            + "|com\\.google|io\\.undertow|io\\.grpc|ai\\.djl|ai\\.onnxruntime)\\.[a-z]+\\.|[A-Za-z]+(Exception|Error):");

    private TestTools() {
    }

    /** A TCP port free at the time of the call (for listeners where 0 means "off", such as gRPC's). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Whether an executable named {@code tool} is on the PATH. */
    static boolean onPath(String tool) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code command} with its output in {@code dir/tool.log}; fails the test unless it exits 0 within 60 s. */
    static void run(Path dir, List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tool.log").toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(command.get(0) + " finished").isTrue();
        assertThat(process.exitValue()).as(command + "\n" + Files.readString(dir.resolve("tool.log"))).isZero();
    }

    /**
     * Runs {@code main} in a child JVM of this JVM's Java, on its class path, without the options
     * the environment could add; fails the test unless it exits 0 within 120 s.
     *
     * @return what the child printed, standard output and error together
     */
    static String javaMain(Path dir, Class<?> main, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(dir, main.getSimpleName(), ".log");
        ProcessBuilder child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        // options the JVM or its launcher would take from the environment are not the test's
        child.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        Process process = child.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(main.getName() + " still running after 120 s; it printed:\n" + Files.readString(output));
        }
        String printed = Files.readString(output);
        assertThat(process.exitValue()).as(printed).isZero();
        return printed;
    }

    /**
     * A self-signed EC (P-256) certificate for localhost and 127.0.0.1 and its key, written by openssl
     * as {@code dir/NAME.pem} and {@code dir/NAME.key}; the caller checks {@code onPath("openssl")} first.
     *
     * @return the certificate and key files
     */
    static PemPair selfSignedPem(Path dir, String name) throws Exception {
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + ".key");
        run(dir, List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"));
        return new PemPair(cert, key);
    }

    /** A PEM certificate file and its private key file. */
    record PemPair(Path cert, Path key) {
    }
}
