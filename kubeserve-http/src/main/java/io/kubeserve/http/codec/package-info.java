/**
 * Wire codecs of KubeServe's HTTP protocols: bytes in, core types out, and back.
 *
 * <ul>
 *   <li>{@link io.kubeserve.http.codec.V2RequestDecoder}, {@link io.kubeserve.http.codec.V2ResponseEncoder}:
 *       the Open Inference Protocol (V2) in JSON and with the binary tensor extension;</li>
 *   <li>{@link io.kubeserve.http.codec.V2MetadataEncoder}, {@link io.kubeserve.http.codec.ErrorBody}:
 *       metadata and error bodies;</li>
 *   <li>{@link io.kubeserve.http.codec.V1Codec}: KServe V1 ({@code instances} / {@code predictions});</li>
 *   <li>{@link io.kubeserve.http.codec.SeedCodec}: the original {@code POST /predict} API.</li>
 * </ul>
 * V1 and seed predictions follow what the model declares itself to be
 * ({@link io.kubeserve.core.spi.Classification}): a classifier's own labels, any other model's output
 * values; both codecs write them through {@code Predictions}, so they agree.
 *
 * <p>Nothing here knows about sockets or a web server: the HTTP adapter hands over the body and the
 * {@code Inference-Header-Content-Length} header and sends back what the encoders return. Every
 * problem with a request is a {@link io.kubeserve.core.error.KubeServeException} with
 * {@link io.kubeserve.core.error.ErrorCode#INVALID_INPUT} whose message names the input and says what was
 * expected and what came; no parser exception leaks out.
 *
 * <p>JSON conventions, the same in every codec:
 * <ul>
 *   <li>Non-finite floats are written as the JSON strings {@code "NaN"}, {@code "Infinity"} and
 *       {@code "-Infinity"}, and only those three strings are read back as FP16/FP32/FP64 values;
 *       bare {@code NaN} tokens are not JSON and are rejected.</li>
 *   <li>Integer tensors accept only JSON integers ({@code 1.0} is refused for INT32), within the
 *       datatype's range; UINT64 is read and written as an unsigned decimal up to 2^64-1.</li>
 *   <li>FP16 travels as ordinary JSON numbers and is stored as IEEE half bits (rounded to nearest
 *       even); a finite number beyond FP16's (or FP32's) range is refused, not turned into infinity.</li>
 *   <li>BYTES elements travel as JSON strings (UTF-8). Elements that are not valid UTF-8 should use
 *       the binary extension: in JSON they are written with replacement characters.</li>
 *   <li>Hostile sizes are refused before allocating: a tensor read from JSON may not hold more
 *       elements than half the body's bytes, binary sizes must equal shape x element size, JSON nests
 *       at most {@value io.kubeserve.http.codec.Json#MAX_NESTING_DEPTH} levels and shapes have at most
 *       {@value io.kubeserve.http.codec.Json#MAX_RANK} dimensions.</li>
 * </ul>
 */
package io.kubeserve.http.codec;
