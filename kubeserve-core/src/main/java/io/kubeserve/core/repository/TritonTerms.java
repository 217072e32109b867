package io.kubeserve.core.repository;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.triton.TritonConfig;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.tensor.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Triton's model-configuration terms in KubeServe's: data types, shapes, devices, platforms.
 * Shared by {@code config.json} and {@code config.pbtxt}, so one concept reads the same from
 * either file. Stateless; every method reports a bad value as an {@code INVALID_INPUT}
 * {@link KubeServeException} naming {@code file} and the key.
 */
final class TritonTerms {

    /** Triton's data type names we serve, in Triton's order ({@code TYPE_BF16} has no KubeServe type). */
    static final List<String> DATA_TYPES = Arrays.stream(TritonConfig.DataType.values())
            .filter(type -> type != TritonConfig.DataType.UNRECOGNIZED && type != TritonConfig.DataType.TYPE_INVALID
                    && type != TritonConfig.DataType.TYPE_BF16)
            .map(Enum::name)
            .toList();

    /** Instance-group kinds a config may name. */
    static final List<String> KINDS = Arrays.stream(TritonConfig.ModelInstanceGroup.Kind.values())
            .filter(kind -> kind != TritonConfig.ModelInstanceGroup.Kind.UNRECOGNIZED)
            .map(Enum::name)
            .toList();

    private TritonTerms() {
    }

    /** The error every reader throws: {@code FILE: 'KEY': PROBLEM}. */
    static KubeServeException problem(String file, String key, String problem) {
        return KubeServeException.invalidInput(file + ": '" + key + "': " + problem);
    }

    /** KubeServe's type for Triton's {@code TYPE_*} (Triton's {@code TYPE_STRING} is V2's {@code BYTES}). */
    static DataType dataType(TritonConfig.DataType type, String file, String key) {
        if (type == null || type == TritonConfig.DataType.TYPE_INVALID || type == TritonConfig.DataType.UNRECOGNIZED
                || type == TritonConfig.DataType.TYPE_BF16) {
            throw problem(file, key, (type == null || type == TritonConfig.DataType.TYPE_INVALID ? "missing; expected"
                    : "expected") + " one of " + DATA_TYPES + (type == null || type == TritonConfig.DataType.TYPE_INVALID ? "" : ", got " + type));
        }
        return type == TritonConfig.DataType.TYPE_STRING ? DataType.BYTES : DataType.fromName(type.name().substring(5));
    }

    /**
     * The full shape of a tensor from Triton's {@code dims}: with {@code maxBatchSize > 0} the dims
     * leave out the batch dimension, which becomes a leading {@code -1}; otherwise they are the
     * shape. Each dim is a size {@code >= 1} or {@code -1} (variable).
     */
    static long[] shape(List<Long> dims, int maxBatchSize, String file, String key) {
        for (int i = 0; i < dims.size(); i++) {
            long dim = dims.get(i);
            if (dim < -1 || dim == 0) {
                throw problem(file, key + "[" + i + "]", "expected a size >= 1 or -1 (variable), got " + dim);
            }
        }
        int batch = maxBatchSize > 0 ? 1 : 0;
        long[] shape = new long[dims.size() + batch];
        if (batch == 1) {
            shape[0] = -1;
        }
        for (int i = 0; i < dims.size(); i++) {
            shape[i + batch] = dims.get(i);
        }
        return shape;
    }

    /**
     * The device of an instance group: {@code KIND_CPU} the CPU, {@code KIND_GPU} the one GPU in
     * {@code gpus} (GPU 0 when empty), {@code KIND_AUTO} whatever {@code device} says (the CPU when
     * null). A {@code device} that contradicts the kind, several GPUs or {@code KIND_MODEL} are errors.
     */
    static ModelConfig.Device device(TritonConfig.ModelInstanceGroup.Kind kind, List<Integer> gpus,
                                     ModelConfig.Device device, String file, String key) {
        ModelConfig.Device chosen;
        switch (kind == null ? TritonConfig.ModelInstanceGroup.Kind.KIND_AUTO : kind) {
            case KIND_AUTO -> {
                if (!gpus.isEmpty()) {
                    throw problem(file, key + ".gpus", "needs \"kind\": KIND_GPU");
                }
                return device == null ? ModelConfig.Device.CPU : device;
            }
            case KIND_CPU -> {
                if (!gpus.isEmpty()) {
                    throw problem(file, key + ".gpus", "a KIND_CPU group runs on no GPU; remove \"gpus\" or use KIND_GPU");
                }
                chosen = ModelConfig.Device.CPU;
            }
            case KIND_GPU -> {
                if (gpus.size() > 1) {
                    throw problem(file, key + ".gpus", "KubeServe runs a model on one GPU; got " + gpus);
                }
                int index = gpus.isEmpty() ? 0 : gpus.get(0);
                if (index < 0) {
                    throw problem(file, key + ".gpus[0]", "expected a GPU index >= 0, got " + index);
                }
                chosen = new ModelConfig.Device(true, index);
            }
            default -> throw problem(file, key + ".kind", "expected one of KIND_AUTO, KIND_CPU, KIND_GPU, got " + kind
                    + (kind == TritonConfig.ModelInstanceGroup.Kind.KIND_MODEL ? " (not supported by KubeServe)" : ""));
        }
        if (device != null && !device.equals(chosen)) {
            throw problem(file, key + ".kind", "says " + chosen + " but 'device' says " + device + "; give one of them");
        }
        return chosen;
    }

    /**
     * KubeServe's engine for Triton's {@code platform} and {@code backend} (either may be empty):
     * {@code onnxruntime_onnx}/{@code onnxruntime} run on OnnxRuntime, {@code pytorch_libtorch}/
     * {@code pytorch} on PyTorch, {@code python} on the Python worker engine (a plug-in); null when both
     * are empty (the engine follows the file type).
     */
    static String engine(String platform, String backend, String file) {
        String fromPlatform = platform.isEmpty() ? null : engineOf(platform, file, "platform");
        String fromBackend = backend.isEmpty() ? null : engineOf(backend, file, "backend");
        if (fromPlatform != null && fromBackend != null && !fromPlatform.equals(fromBackend)) {
            throw problem(file, "backend", "\"" + backend + "\" contradicts platform \"" + platform + "\"");
        }
        return fromPlatform != null ? fromPlatform : fromBackend;
    }

    private static String engineOf(String name, String file, String key) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "onnxruntime_onnx", "onnxruntime" -> "onnxruntime";
            case "pytorch_libtorch", "pytorch" -> "pytorch";
            case "python" -> "python";
            default -> throw problem(file, key, "expected onnxruntime_onnx, onnxruntime, pytorch_libtorch, pytorch or"
                    + " python, got \"" + name + "\" (KubeServe serves ONNX, TorchScript and, with the Python engine,"
                    + " scikit-learn pickles)");
        };
    }
}
