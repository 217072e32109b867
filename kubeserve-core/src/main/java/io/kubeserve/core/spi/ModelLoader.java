package io.kubeserve.core.spi;

/**
 * Turns the files of one model version into a loaded {@link Model}, for the formats it knows.
 * Found with {@link java.util.ServiceLoader} by default; a registry can also be given loaders
 * explicitly.
 *
 * <p>Implementations are stateless and thread-safe: the registry may load several versions at once
 * on different threads. The caller of {@link #load} owns the returned model and must close it.
 */
public interface ModelLoader {

    /**
     * The name model configs use to pick this loader (the {@code engine} key of {@code config.json}).
     *
     * @return a short lower-case name, e.g. {@code onnxruntime} or {@code pytorch}; never null
     */
    String engine();

    /**
     * Whether this loader can load the version's model file, judged by its file name only (no file
     * is opened).
     *
     * @param source the model version to look at
     * @return true when the file name has an extension this loader reads
     */
    boolean supports(ModelSource source);

    /**
     * Loads and warms up the model. Blocks the calling thread for as long as the engine takes to
     * read the file (seconds for large models).
     *
     * @param source the version's files and config; not retained beyond what the model needs
     * @return the loaded model, owned by the caller, who must {@link Model#close close} it to free
     *         the engine's native memory
     * @throws io.kubeserve.core.error.KubeServeException {@code INVALID_INPUT} or {@code INTERNAL}
     *         for a corrupt or unloadable file, {@code UNSUPPORTED} for a model whose inputs or
     *         outputs KubeServe cannot serve; the message says why
     */
    Model load(ModelSource source);
}
