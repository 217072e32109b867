package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests, as a table: each gets its 4xx and a JSON {@code {"error": ...}} that says what is
 * wrong, never a stack trace, and the server answers correctly afterwards.
 */
class BadRequestsTest {

    private static final String V2_IRIS = "/v2/models/iris/infer";
    private static final String GOOD_V2 = "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\","
            + " \"shape\": [1, 4], \"data\": [5.1, 3.5, 1.4, 0.2]}]}";
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = new RunningServer(ServerConfig.defaults(RunningServer.EXAMPLES).withMaxBodyBytes(64 * 1024));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> badRequests() {
        String deep = "[".repeat(10_000);
        return Stream.of(
                Arguments.of("malformed JSON", "POST", V2_IRIS, "application/json", "{\"inputs\": [", 400, "JSON"),
                Arguments.of("not JSON at all", "POST", V2_IRIS, "application/json", "hello", 400, ""),
                Arguments.of("empty body", "POST", V2_IRIS, "application/json", "", 400, ""),
                Arguments.of("wrong input name", "POST", V2_IRIS, "application/json",
                        GOOD_V2.replace("float_input", "x"), 400, "has no input 'x'"),
                Arguments.of("wrong shape", "POST", V2_IRIS, "application/json",
                        "{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 5],"
                                + " \"data\": [1, 2, 3, 4, 5]}]}", 400, "must have shape [-1, 4], got [1, 5]"),
                Arguments.of("data disagrees with shape", "POST", V2_IRIS, "application/json",
                        GOOD_V2.replace("[1, 4]", "[2, 4]"), 400, ""),
                Arguments.of("wrong datatype", "POST", V2_IRIS, "application/json",
                        GOOD_V2.replace("FP32", "FP64"), 400, "must be FP32, got FP64"),
                Arguments.of("unknown datatype", "POST", V2_IRIS, "application/json",
                        GOOD_V2.replace("FP32", "FLOAT"), 400, "FLOAT"),
                Arguments.of("string in a float tensor", "POST", V2_IRIS, "application/json",
                        GOOD_V2.replace("5.1", "\"five\""), 400, ""),
                Arguments.of("deep nesting", "POST", V2_IRIS, "application/json", deep, 400, ""),
                Arguments.of("huge shape", "POST", V2_IRIS, "application/json",
                        GOOD_V2.replace("[1, 4]", "[1000000000, 1000000000]"), 400, ""),
                Arguments.of("truncated binary tensor", "POST", V2_IRIS, "application/octet-stream", null, 400, ""),
                Arguments.of("unknown model", "POST", "/v2/models/ghost/infer", "application/json", GOOD_V2, 404,
                        "model 'ghost' is not known"),
                Arguments.of("unknown version", "POST", "/v2/models/iris/versions/42/infer", "application/json",
                        GOOD_V2, 404, "no version '42'"),
                Arguments.of("unknown route", "GET", "/v3/anything", null, null, 404, "no route"),
                Arguments.of("wrong method", "GET", V2_IRIS, null, null, 405, "not allowed"),
                Arguments.of("wrong media type", "POST", V2_IRIS, "application/xml", "<x/>", 415, "not supported"),
                Arguments.of("V1 ragged instances", "POST", "/v1/models/iris:predict", "application/json",
                        "{\"instances\": [[1, 2, 3, 4], [1, 2]]}", 400, ""),
                Arguments.of("V1 without instances", "POST", "/v1/models/iris:predict", "application/json",
                        "{\"rows\": []}", 400, "instances"),
                Arguments.of("body over the limit", "POST", V2_IRIS, "application/json",
                        "{\"inputs\": [" + " ".repeat(70 * 1024) + "]}", 413, "larger than the limit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRefusedWithAClearError(String name, String method, String path, String contentType, String body,
                                  int status, String messagePart) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (contentType != null && contentType.equals("application/octet-stream")) {
            // the header promises 24 bytes of JSON and a 16-byte tensor; the body stops short
            String header = "{\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                    + "\"parameters\":{\"binary_data_size\":16}}]}";
            byte[] json = header.getBytes(StandardCharsets.UTF_8);
            byte[] truncated = java.util.Arrays.copyOf(json, json.length + 7);
            request.header("Inference-Header-Content-Length", Integer.toString(json.length))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(truncated));
        } else if (method.equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.GET();
        }
        HttpResponse<String> response = server.send(request.build());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = RunningServer.parse(response.body());
        assertThat(error.fieldNames()).toIterable().containsExactly("error");
        assertThat(error.get("error").asText()).contains(messagePart).doesNotContain("Exception", "\tat ");
    }

    @AfterEach
    void serverStillAnswersCorrectly() {
        HttpResponse<String> response = server.post(V2_IRIS, GOOD_V2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"setosa\"");
        assertThat(server.get("/v2/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void readinessOfAnUnknownModelIs404() {
        assertThat(server.get("/v2/models/ghost/ready").statusCode()).isEqualTo(404);
    }
}
