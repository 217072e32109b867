package io.kubeserve.k8s;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A model format, in KServe's names, that a KubeServe runtime offers for automatic selection: an
 * InferenceService that names only {@code modelFormat: {name: onnx}} (and a {@code storageUri}) is
 * given the runtime with the highest priority among those that list the format with
 * {@code autoSelect: true}. Immutable and thread-safe, like every enum.
 */
public enum KServeModelFormat {

    /** ONNX models, including scikit-learn pipelines converted to ONNX; ONNX Runtime, in every image. */
    ONNX("onnx", List.of("1"), true),

    /**
     * scikit-learn 1.x pickles ({@code model.joblib}, {@code model.pkl}), served by the Python worker
     * engine of the {@code -full} image.
     */
    SKLEARN("sklearn", List.of("1"), true),

    /**
     * TorchScript models; PyTorch through DJL, in the {@code -full} image. Both major versions: a
     * TorchScript file saved by PyTorch 1.x loads in the 2.x runtime. Listed but not auto-selected:
     * in KServe, {@code modelFormat: pytorch} with no runtime named usually means a TorchServe
     * {@code .mar} archive (KServe's TorchServe runtime auto-selects it), which KubeServe does not
     * serve; an InferenceService with a TorchScript file names the runtime instead.
     */
    PYTORCH("pytorch", List.of("1", "2"), false);

    /**
     * Tag, or tag suffix after a {@code -}, of the image variant that has ONNX Runtime only, e.g.
     * {@code kubeserve/server:0.1.0-onnx} or {@code kubeserve/server:onnx}.
     */
    public static final String ONNX_ONLY_TAG = "onnx";

    /**
     * Tag, or tag suffix after a {@code -}, of the GPU variant ({@code examples/Dockerfile.gpu}): ONNX
     * Runtime and PyTorch with CUDA, but no Python, so no scikit-learn pickles.
     */
    public static final String GPU_TAG = "gpu";

    private final String kserveName;
    private final List<String> versions;
    private final boolean autoSelect;

    KServeModelFormat(String kserveName, List<String> versions, boolean autoSelect) {
        this.kserveName = kserveName;
        this.versions = versions;
        this.autoSelect = autoSelect;
    }

    /**
     * Whether KServe may pick a KubeServe runtime for this format on its own.
     *
     * @return false for {@link #PYTORCH}: that name means TorchServe archives to KServe
     */
    public boolean autoSelect() {
        return autoSelect;
    }

    /**
     * KServe's name for the format, as in an InferenceService's {@code modelFormat.name}.
     *
     * @return e.g. {@code onnx}
     */
    public String kserveName() {
        return kserveName;
    }

    /**
     * The format versions the runtime lists, one {@code supportedModelFormats} entry each. An
     * InferenceService that gives no version matches any of them.
     *
     * @return unmodifiable, e.g. {@code [1, 2]}
     */
    public List<String> versions() {
        return versions;
    }

    /**
     * The formats an image can serve, from its tag: the ONNX-only variant (tag {@code onnx} or
     * {@code ...-onnx}) serves {@link #ONNX}; the GPU variant ({@code gpu} or {@code ...-gpu}) has no
     * Python worker, so {@link #ONNX} and {@link #PYTORCH}; any other image (the {@code full} variant,
     * a digest, no tag, a custom build) is taken to have every engine.
     *
     * @param image an image reference, e.g. {@code kubeserve/server:0.1.0-onnx}
     * @return a new modifiable set, in declaration order
     */
    public static Set<KServeModelFormat> servedBy(String image) {
        String last = image.contains("@") ? "" : image.substring(image.lastIndexOf('/') + 1);
        int colon = last.indexOf(':');
        String tag = colon < 0 ? "" : last.substring(colon + 1);
        if (isVariant(tag, ONNX_ONLY_TAG)) {
            return EnumSet.of(ONNX);
        }
        return isVariant(tag, GPU_TAG) ? EnumSet.of(ONNX, PYTORCH) : EnumSet.allOf(KServeModelFormat.class);
    }

    private static boolean isVariant(String tag, String variant) {
        return tag.equals(variant) || tag.endsWith("-" + variant);
    }
}
