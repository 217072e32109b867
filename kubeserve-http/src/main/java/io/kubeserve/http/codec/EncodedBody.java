package io.kubeserve.http.codec;

/**
 * A response body ready to send.
 *
 * <p>When {@link #hasBinaryData()} the adapter sends {@code Inference-Header-Content-Length:
 * jsonHeaderLength} and {@code Content-Type: application/octet-stream}; otherwise the body is all
 * JSON ({@code jsonHeaderLength == body.length}) and goes out as {@code application/json}.
 *
 * @param body             the bytes to send; owned by the caller from now on
 * @param jsonHeaderLength how many leading bytes are JSON
 * @param contentType      {@link #APPLICATION_JSON} or {@link #APPLICATION_OCTET_STREAM}
 */
public record EncodedBody(byte[] body, int jsonHeaderLength, String contentType) {

    public static final String APPLICATION_JSON = "application/json";
    public static final String APPLICATION_OCTET_STREAM = "application/octet-stream";
    /** The V2 binary extension's header naming the JSON part's length. */
    public static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    static EncodedBody json(byte[] body) {
        return new EncodedBody(body, body.length, APPLICATION_JSON);
    }

    /** True when binary tensor data follows the JSON header. */
    public boolean hasBinaryData() {
        return APPLICATION_OCTET_STREAM.equals(contentType);
    }
}
