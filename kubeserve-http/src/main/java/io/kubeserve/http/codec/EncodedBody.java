package io.kubeserve.http.codec;

/**
 * A response body ready to send.
 *
 * <p>When {@link #hasBinaryData()} the adapter sends {@code Inference-Header-Content-Length:
 * jsonHeaderLength} and {@code Content-Type: application/octet-stream}; otherwise the body is all
 * JSON ({@code jsonHeaderLength == body.length}) and goes out as {@code application/json}. The
 * layout is that of the Open Inference Protocol's binary tensor data extension ("Binary Tensor
 * Data Extension", KServe/Triton): a JSON header, then each binary output's raw little-endian bytes
 * in output order.
 *
 * @param body             the bytes to send; owned by the caller from now on
 * @param jsonHeaderLength how many leading bytes are JSON
 * @param contentType      {@link #APPLICATION_JSON} or {@link #APPLICATION_OCTET_STREAM}
 */
public record EncodedBody(byte[] body, int jsonHeaderLength, String contentType) {

    /** The content type of an all-JSON body. */
    public static final String APPLICATION_JSON = "application/json";
    /** The content type of a JSON header followed by binary tensor data. */
    public static final String APPLICATION_OCTET_STREAM = "application/octet-stream";
    /** The V2 binary extension's header naming the JSON part's length. */
    public static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    static EncodedBody json(byte[] body) {
        return new EncodedBody(body, body.length, APPLICATION_JSON);
    }

    /**
     * Whether binary tensor data follows the JSON header.
     *
     * @return true when the content type is {@link #APPLICATION_OCTET_STREAM}
     */
    public boolean hasBinaryData() {
        return APPLICATION_OCTET_STREAM.equals(contentType);
    }
}
