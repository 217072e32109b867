package io.kubeserve.core.spi;

/**
 * Turns the files of one model version into a loaded {@link Model}, for the formats it knows.
 * Found with {@link java.util.ServiceLoader} by default; a registry can also be given loaders
 * explicitly.
 */
public interface ModelLoader {

    /** Short name used in model config to pick this loader, e.g. {@code onnxruntime}. */
    String engine();

    /** Whether this loader can load the version's model file (checked by file name). */
    boolean supports(ModelSource source);

    /**
     * Loads and warms up the model. A corrupt or unloadable file fails with a
     * {@link io.kubeserve.core.error.KubeServeException} whose message says why.
     */
    Model load(ModelSource source);
}
