package io.kubeserve.core.engine.djl;

import ai.onnxruntime.OrtException;
import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps what an engine throws during a run to our error codes and words.
 *
 * <p>Inputs were checked against the model's declared specs, and against each other on the
 * dimensions the model names, before the call; what still fails in an operator of the graph
 * (shapes the model leaves unnamed that do not fit together, an index out of range, a reshape to a
 * size the data does not have) is caused by the input, and is {@code INVALID_INPUT}. Only what is
 * not about the input (no memory, a device error, a closed session, our own bug) is
 * {@code INTERNAL}. Either way the client's message is ours: the engine's own text holds native
 * source paths, Java class names and internals, so it goes to the log (with the cause kept on the
 * exception for whoever logs it), never into the message.
 */
final class EngineFailures {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EngineFailures.class);

    /** OnnxRuntime's words for a kernel that failed on its inputs; group 1 is the operator type. */
    private static final Pattern ORT_NODE = Pattern.compile("while running (\\w+) node");
    /** PyTorch's words for an operator that failed on the shapes or values of its inputs. */
    private static final Pattern TORCH_INPUT = Pattern.compile(
            "size of tensor|shapes cannot be multiplied|must match the size|expected .*(dim|size|shape)"
                    + "|out of (range|bounds)|invalid shape|shape '\\[", Pattern.CASE_INSENSITIVE);
    /** Failures of the machine, not of the request, even when they happen inside an operator. */
    private static final Pattern SERVER_FAULT = Pattern.compile(
            "alloc|out of memory|cuda|cudnn|cublas|device|session (is )?closed", Pattern.CASE_INSENSITIVE);

    /** OnnxRuntime's prefix to every message. */
    private static final Pattern ORT_PREFIX = Pattern.compile("^Error code - ORT_\\w+ - message: ");
    /** A native source location ({@code /onnxruntime_src/.../graph.cc:123 }) or any other absolute path. */
    private static final Pattern PATH = Pattern.compile("(?<![\\w.])(/[\\w.+-]+)+/?(:\\d+)?");

    private EngineFailures() {
    }

    /**
     * An engine's message about a model file, fit for a client that may read it in a
     * {@code MODEL_NOT_READY} reason: its first line, the model's own path as its file name, no
     * other path or native source location and no engine prefix.
     */
    static String describeLoadFailure(String message, java.nio.file.Path modelFile) {
        String line = OnnxModelLoader.firstLine(message);
        line = ORT_PREFIX.matcher(line).replaceFirst("");
        line = line.replace(modelFile.toAbsolutePath().toString(), modelFile.getFileName().toString())
                .replace(modelFile.toString(), modelFile.getFileName().toString());
        line = PATH.matcher(line).replaceAll("(path)").replaceAll("\\s+", " ").trim();
        return line.isEmpty() ? "unknown error" : line;
    }

    static KubeServeException translate(Exception e) {
        if (e instanceof KubeServeException kse) {
            return kse;
        }
        String detail = String.valueOf(e.getMessage());
        if (!SERVER_FAULT.matcher(detail).find()) {
            String operator = inputFault(e, detail);
            if (operator != null) {
                LOG.debug("the engine refused the request's inputs: {}", detail);
                return new KubeServeException(ErrorCode.INVALID_INPUT, "the model cannot run on these inputs: "
                        + operator + " failed on them; check that the sizes of the inputs' dimensions fit together"
                        + " and that the values are in the range the model accepts", e);
            }
        }
        return new KubeServeException(ErrorCode.INTERNAL, "the engine failed to run the model", e);
    }

    /** What failed on the input, in our words ("its Mul operator"), or null when it is not the input. */
    private static String inputFault(Exception e, String detail) {
        if (e instanceof OrtException ort) {
            Matcher node = ORT_NODE.matcher(detail);
            if (node.find()) {
                return "its " + node.group(1) + " operator";
            }
            return ort.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT ? "the engine's input check" : null;
        }
        if (isDjlEngineFailure(e) && TORCH_INPUT.matcher(detail).find()) {
            return "one of its operators";
        }
        return null;
    }

    private static boolean isDjlEngineFailure(Exception e) {
        return e.getClass().getName().toLowerCase(Locale.ROOT).startsWith("ai.djl.");
    }
}
