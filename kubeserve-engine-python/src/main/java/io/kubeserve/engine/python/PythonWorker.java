package io.kubeserve.engine.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Python process holding one copy of the model, spoken to over its stdin and stdout
 * ({@link WireFormat}); its stderr goes to the log, each line tagged with the model. Serves one
 * call at a time: the {@link WorkerPool} hands it to one thread at a time. The worker exits by
 * itself when its stdin closes, so a JVM that dies leaves no worker behind.
 */
final class PythonWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.kubeserve.engine.python.worker");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How one worker of a model version is started. */
    record Launch(String model, String version, List<String> command, Map<String, String> environment, Path workDir) {
    }

    /** The worker went away (killed, crashed) during a call; {@link #exitCode} says how, if known. */
    static final class Died extends Exception {
        private static final long serialVersionUID = 1L;
        final String exitCode;

        Died(String exitCode, Throwable cause) {
            super("worker stopped (exit code " + exitCode + ")", cause);
            this.exitCode = exitCode;
        }
    }

    private final Launch launch;
    private final int number;
    private final Process process;
    private final OutputStream stdin;
    private final DataInputStream stdout;
    private final JsonNode description;
    /** Set when the pool's watchdog killed the process for taking too long over a call. */
    private volatile boolean stopped;
    /** {@link System#nanoTime()} when the running call began; {@link #IDLE} between calls. */
    private volatile long callStarted = IDLE;
    private static final long IDLE = Long.MIN_VALUE;

    /**
     * Starts the process; returns without waiting for the model to load ({@link #awaitLoaded}).
     *
     * @throws KubeServeException {@code INTERNAL} when the interpreter cannot be started
     */
    static Process spawn(Launch launch, int number) {
        ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.workDir().toFile());
        builder.environment().putAll(launch.environment());
        try {
            Process process = builder.start();
            Thread pump = new Thread(() -> pumpStderr(launch, number, process),
                    "python-" + launch.model() + "-v" + launch.version() + "-w" + number + "-stderr");
            pump.setDaemon(true);
            pump.start();
            return process;
        } catch (IOException e) {
            throw new KubeServeException(ErrorCode.INTERNAL, "cannot start the Python interpreter '"
                    + launch.command().get(0) + "' for model '" + launch.model() + "' version " + launch.version()
                    + " (set --python or the model config's parameters.python): " + e.getMessage(), e);
        }
    }

    /**
     * Waits for the worker's load answer.
     *
     * @return the loaded worker
     * @throws KubeServeException {@code INVALID_INPUT} with the worker's reason when the model cannot
     *         be loaded (the process is stopped)
     */
    static PythonWorker awaitLoaded(Launch launch, int number, Process process) {
        DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
        String problem;
        try {
            byte kind = WireFormat.readKind(in);
            if (kind == WireFormat.LOADED) {
                JsonNode description = JSON.readTree(WireFormat.readBlock(in));
                return new PythonWorker(launch, number, process, description, in);
            }
            problem = kind == WireFormat.LOAD_FAILED ? WireFormat.readText(in) : "unexpected answer from the worker";
        } catch (IOException e) {
            problem = "the Python worker exited before loading the model (exit code " + exitCode(process)
                    + "; its output is in the log above)";
        }
        stop(process);
        boolean packagesMissing = problem.contains("No module named") || problem.startsWith("the Python worker exited");
        if (packagesMissing) {
            // the interpreter is named in the log only: it may be a path on the server
            LOG.warn("model {} version {}: the Python interpreter was '{}'", launch.model(), launch.version(),
                    launch.command().get(0));
        }
        throw KubeServeException.invalidInput("cannot load model '" + launch.model() + "' version "
                + launch.version() + " in Python: " + problem + (packagesMissing
                ? "; if that interpreter lacks numpy, joblib or the model's own packages, name one that has them"
                        + " with --python or the model config's parameters.python" : ""));
    }

    private PythonWorker(Launch launch, int number, Process process, JsonNode description, DataInputStream in) {
        this.launch = launch;
        this.number = number;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.stdout = in;
        this.description = description;
    }

    /** What the worker reported at load: estimator, kind, classes, features, outputs. */
    JsonNode description() {
        return description;
    }

    int number() {
        return number;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Runs the model on {@code inputs}: one write, one read.
     *
     * @return the outputs by name
     * @throws Died when the process has gone (nothing more can be sent to it)
     * @throws KubeServeException {@code INVALID_INPUT} when the model refused the values,
     *         {@code INTERNAL} when it failed (the worker lives on)
     */
    Map<String, Tensor> call(Tensor[] inputs) throws Died {
        byte[] request = WireFormat.request(inputs);
        callStarted = System.nanoTime();
        try {
            return exchange(request);
        } finally {
            callStarted = IDLE;
        }
    }

    private Map<String, Tensor> exchange(byte[] request) throws Died {
        byte kind;
        try {
            stdin.write(request);
            stdin.flush();
            kind = WireFormat.readKind(stdout);
            if (kind == WireFormat.OK) {
                return WireFormat.readOutputs(stdout);
            }
            String message = WireFormat.readText(stdout);
            if (kind == WireFormat.REFUSED) {
                throw KubeServeException.invalidInput("model '" + launch.model() + "' refused the input: " + message);
            }
            LOG.warn("[{} v{} worker {}] prediction failed: {}", launch.model(), launch.version(), number, message);
            throw new KubeServeException(ErrorCode.INTERNAL, "model '" + launch.model()
                    + "' failed while predicting (the server log has the Python error)");
        } catch (IOException e) {
            throw new Died(exitCode(process), e);
        }
    }

    /**
     * Kills the process now, from another thread than the one in {@link #call}: that call then ends
     * with {@link Died}, and {@link #stoppedByWatchdog()} says why.
     */
    void stopHung() {
        stopped = true;
        process.destroyForcibly();
    }

    /** Whether a call is running and began more than {@code limitNanos} before {@code now}. */
    boolean overdue(long now, long limitNanos) {
        long started = callStarted;
        return started != IDLE && now - started > limitNanos;
    }

    /** Whether {@link #stopHung()} ended this worker. */
    boolean stoppedByWatchdog() {
        return stopped;
    }

    /** Closes stdin (the worker exits), waits a moment, then kills what is left. */
    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The exit code once the process has gone (waiting up to a second), else {@code "unknown"}. */
    static String exitCode(Process process) {
        try {
            if (process.waitFor(1, TimeUnit.SECONDS)) {
                int code = process.exitValue();
                return code > 128 ? code + ", signal " + (code - 128) : Integer.toString(code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    private static void pumpStderr(Launch launch, int number, Process process) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                LOG.info("[{} v{} worker {}] {}", launch.model(), launch.version(), number, line);
            }
        } catch (IOException e) {
            LOG.debug("stderr of a Python worker of {}: {}", launch.model(), e.toString());
        }
    }
}
