package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small helpers of the server tests that start tools or need a free port. */
final class TestTools {

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
}
