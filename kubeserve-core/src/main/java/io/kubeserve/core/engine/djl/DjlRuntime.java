package io.kubeserve.core.engine.djl;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig.Device;
import ai.djl.util.cuda.CudaUtils;

/**
 * The process-wide settings DJL reads from system properties, applied once before any engine
 * starts, so that neither a library user nor an operator has to pass them: never download
 * natives or models (they come from jars on the class path), never send usage telemetry, and
 * start no thread pool that nothing uses. Values someone set explicitly are left alone.
 *
 * <p>Process-wide: an application that embeds the core and makes OnnxRuntime sessions of its own
 * through DJL with per-session threads disabled (so they run on the environment's global pools)
 * gets one thread a pool unless it sets {@code -Dai.djl.onnxruntime.num_threads} and
 * {@code -Dai.djl.onnxruntime.num_interop_threads} itself.
 */
final class DjlRuntime {

    private static final Object LOCK = new Object();
    private static boolean configured;

    private DjlRuntime() {
    }

    static void configure() {
        synchronized (LOCK) {
            if (configured) {
                return;
            }
            setIfAbsent("ai.djl.offline", "true");
            setIfAbsent("OPT_OUT_TRACKING", "true");
            // one inter-op thread: requests already run in parallel, nested pools only contend
            setPropertyIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
            // DJL's OnnxRuntime engine makes the process's OrtEnvironment with global thread pools,
            // which only a session with per-session threads disabled would use; ours never do (each
            // gets its own pool, sized by its model's config). At their default of a thread per
            // core, those threads only spin once at start, on the cores that load the models.
            // One thread a pool is the caller alone: ONNX Runtime starts no thread for it. An
            // application whose own sessions do use them (disablePerSessionThreads) sets its sizes.
            setPropertyIfAbsent("ai.djl.onnxruntime.num_threads", "1");
            setPropertyIfAbsent("ai.djl.onnxruntime.num_interop_threads", "1");
            configured = true;
        }
    }

    /** For settings DJL reads from an environment variable or a system property, either. */
    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * For settings DJL reads from system properties only ({@code Integer.getInteger}): an
     * environment variable of the same name would change nothing, so it must not stop ours.
     */
    private static void setPropertyIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * DJL's device for ours. A GPU that is not there is a load error: serving silently on the CPU
     * would hide a broken node behind a latency problem.
     */
    static ai.djl.Device toDjl(Device device) {
        if (!device.gpu()) {
            return ai.djl.Device.cpu();
        }
        int gpus = gpuCount();
        if (device.index() >= gpus) {
            throw new KubeServeException(ErrorCode.UNSUPPORTED, "device " + device + " was requested but "
                    + (gpus == 0 ? "this machine has no usable CUDA GPU" : "only " + gpus + " GPU(s) are visible"));
        }
        return ai.djl.Device.gpu(device.index());
    }

    static int gpuCount() {
        try {
            return CudaUtils.getGpuCount();
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }
}
