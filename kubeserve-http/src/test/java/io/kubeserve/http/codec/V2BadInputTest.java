package io.kubeserve.http.codec;

import static io.kubeserve.http.codec.V2BinaryTest.binaryBody;
import static io.kubeserve.http.codec.V2BinaryTest.floatsLe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a V2 request can be wrong gives INVALID_INPUT with a message naming the problem. */
class V2BadInputTest {

    private final V2RequestDecoder decoder = new V2RequestDecoder();

    private static String one(String datatype, String shape, String data) {
        return "{\"inputs\":[{\"name\":\"x\",\"shape\":" + shape + ",\"datatype\":\"" + datatype + "\",\"data\":"
                + data + "}]}";
    }

    private static Arguments json(String name, String body, String... fragments) {
        return arguments(name, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), null, fragments);
    }

    private static Arguments binary(String name, ByteBuffer body, String header, String... fragments) {
        return arguments(name, body, header, fragments);
    }

    private static String binaryInput(String datatype, String shape, long size) {
        return "{\"inputs\":[{\"name\":\"x\",\"shape\":" + shape + ",\"datatype\":\"" + datatype + "\","
                + "\"parameters\":{\"binary_data_size\":" + size + "}}]}";
    }

    private static int len(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    static Stream<Arguments> badRequests() {
        String fp8 = binaryInput("FP32", "[2]", 8);
        String fp7 = binaryInput("FP32", "[2]", 7);
        String bytes2 = binaryInput("BYTES", "[2]", 12);
        byte[] lyingStrings = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(1).put((byte) 'a').putInt(100).array();
        return Stream.of(
                json("malformed JSON", "{\"inputs\": [}", "not valid JSON", "line 1, column 13"),
                json("truncated JSON", "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,",
                        "2 elements cannot fit in the 3 bytes"),
                json("truncated JSON after data", one("FP32", "[2]", "[1,2]").substring(0, 60), "not valid JSON",
                        "end-of-input"),
                json("deep nesting before the shape", "{\"inputs\":[{\"name\":\"x\",\"data\":" + "[".repeat(10_000),
                        "too deeply nested"),
                json("deferred data shorter than shape", "{\"inputs\":[{\"data\":[1],\"name\":\"x\",\"shape\":[2],"
                        + "\"datatype\":\"FP32\"}]}", "needs 2 elements, but the data has 1"),
                binary("invalid UTF-8", ByteBuffer.wrap(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, '"', '}'}),
                        null, "not valid JSON", "UTF-8"),
                json("empty body", "", "request body is empty"),
                json("body not an object", "[1,2]", "must be a JSON object", "an array"),
                json("trailing content", one("FP32", "[1]", "[1]") + " {}", "content after its JSON object"),
                json("bare NaN token", one("FP32", "[1]", "[NaN]"), "not valid JSON"),
                json("array closed by a brace", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1}]}",
                        "not valid JSON at line 1, column 63", "close marker"),
                json("no inputs", "{\"id\":\"1\"}", "no \"inputs\""),
                json("inputs not an array", "{\"inputs\":{}}", "\"inputs\" must be an array"),
                json("empty inputs", "{\"inputs\":[]}", "\"inputs\" is empty"),
                json("id not a string", "{\"id\":7," + one("FP32", "[1]", "[1]").substring(1), "\"id\" must be a string"),
                json("binary_data_output not boolean", "{\"parameters\":{\"binary_data_output\":\"yes\"},"
                        + one("FP32", "[1]", "[1]").substring(1), "binary_data_output must be true or false"),
                json("too few elements", one("FP32", "[3]", "[1,2]"), "shape [3]", "needs 3 elements", "has 2"),
                json("too many elements", one("FP32", "[2]", "[1,2,3]"), "needs 2 elements", "has more"),
                json("nested row too short", one("FP32", "[2,2]", "[[1,2],[3]]"),
                        "dimension 1 of shape [2, 2] is 2", "array of 1"),
                json("nested too many rows", one("FP32", "[2,1]", "[[1],[2],[3]]"),
                        "dimension 0 of shape [2, 1] is 2", "more entries"),
                json("nested deeper than shape", one("FP32", "[2]", "[[1],[2]]"), "nests deeper than shape [2]"),
                json("value where a row belongs", one("FP32", "[2,2]", "[[1,2],3,4]"),
                        "needs an array at dimension 1"),
                json("flat data mixing arrays", one("FP32", "[2,2]", "[1,[2],3,4]"), "nest every row or none"),
                json("data not an array", one("FP32", "[1]", "5"), "data must be a JSON array", "got 5"),
                json("unknown datatype", one("FP128", "[1]", "[1]"), "input 'x'", "unknown datatype 'FP128'"),
                json("UINT8 300", one("UINT8", "[2]", "[1,300]"), "UINT8", "element 1 is 300", "out of range (0..255)"),
                json("INT8 -129", one("INT8", "[1]", "[-129]"), "-129, out of range (-128..127)"),
                json("UINT64 2^64", one("UINT64", "[1]", "[18446744073709551616]"), "out of range"),
                json("UINT64 negative", one("UINT64", "[1]", "[-1]"), "is -1, out of range"),
                json("INT64 beyond range", one("INT64", "[1]", "[9223372036854775808]"), "out of range"),
                json("INT32 1.5", one("INT32", "[1]", "[1.5]"), "element 0 is 1.5", "expected an integer"),
                json("FP16 beyond 65504", one("FP16", "[1]", "[70000]"), "70000, out of range (+-65504)"),
                json("FP32 beyond range", one("FP32", "[1]", "[1e39]"), "out of range"),
                json("FP64 literal overflowing", one("FP64", "[1]", "[1e400]"), "out of range"),
                json("string in FP32", one("FP32", "[2]", "[1,\"abc\"]"), "element 1 is the string \"abc\"",
                        "expected a number"),
                json("null element", one("INT32", "[1]", "[null]"), "element 0 is null"),
                json("number for BOOL", one("BOOL", "[1]", "[1]"), "expected true or false"),
                json("number for BYTES", one("BYTES", "[1]", "[1]"), "expected a string"),
                json("missing name", "{\"inputs\":[{\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
                        "input #0 has no \"name\""),
                json("missing shape", "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}",
                        "input 'x' has no \"shape\""),
                json("missing datatype", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"data\":[1]}]}",
                        "input 'x' has no \"datatype\""),
                json("missing data", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\"}]}",
                        "input 'x' has no \"data\""),
                json("negative dimension", one("FP32", "[-1,4]", "[1,2,3,4]"), "negative dimension -1"),
                json("shape of strings", one("FP32", "[\"2\"]", "[1,2]"), "\"shape\" must hold integers"),
                json("rank above limit", one("FP32", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
                        "[1]"), "more than 32 dimensions"),
                json("huge shape", one("FP64", "[1000000000,1000000000]", "[1]"), "more than 2147483647 elements"),
                json("shape larger than the body", one("FP64", "[100000,10000]", "[1]"),
                        "1000000000 elements cannot fit in the", "bytes of JSON from its \"data\""),
                json("deep nesting", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":"
                        + "[".repeat(10_000), "nests deeper than shape [1]"),
                json("deep nesting in parameters", "{\"parameters\":{\"a\":" + "[".repeat(10_000),
                        "too deeply nested", "at most 48 levels"),
                json("duplicate input names", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
                        + "\"data\":[1]},{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}]}",
                        "input 'x' appears more than once"),
                json("duplicate field", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"shape\":[2],"
                        + "\"datatype\":\"FP32\",\"data\":[1]}]}", "Duplicate field 'shape'"),
                json("duplicate output names", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
                        + "\"data\":[1]}],\"outputs\":[{\"name\":\"y\"},{\"name\":\"y\"}]}", "output 'y' is requested"
                        + " more than once"),
                json("binary data without header", fp8, "binary_data_size 8",
                        "no Inference-Header-Content-Length header"),
                json("data and binary_data_size", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
                        + "\"parameters\":{\"binary_data_size\":4},\"data\":[1]}]}", "both \"data\" and binary_data_size"),
                binary("header length beyond body", binaryBody(fp8, floatsLe(1, 2)), "500",
                        "Inference-Header-Content-Length is 500", "only " + (len(fp8) + 8) + " bytes"),
                binary("header length not a number", binaryBody(fp8, floatsLe(1, 2)), "12abc", "must be a byte count"),
                json("number of 2000 digits", one("FP64", "[1]", "[" + "9".repeat(2000) + "]"), "oversized value"),
                binary("header length negative", binaryBody(fp8, floatsLe(1, 2)), "-4", "must not be negative"),
                binary("header length zero", binaryBody(fp8, floatsLe(1, 2)), "0", "cannot be empty"),
                binary("header length cutting the JSON", binaryBody(fp8, floatsLe(1, 2)), String.valueOf(len(fp8) - 3),
                        "not valid JSON"),
                binary("binary size not matching shape", binaryBody(fp7, new byte[7]), String.valueOf(len(fp7)),
                        "FP32 with shape [2]", "takes 8 bytes", "binary_data_size is 7"),
                binary("binary size beyond the body", binaryBody(fp8, new byte[4]), String.valueOf(len(fp8)),
                        "binary_data_size 8", "only 4 bytes"),
                binary("bytes left over", binaryBody(fp8, floatsLe(1, 2, 3)), String.valueOf(len(fp8)),
                        "4 bytes after the JSON header"),
                binary("BYTES length prefix past the end", binaryBody(bytes2, lyingStrings), String.valueOf(len(bytes2)),
                        "BYTES element 1 claims 100 bytes", "only 3 remain"),
                binary("BYTES count beyond size", binaryBody(binaryInput("BYTES", "[1000000000]", 8), new byte[8]),
                        String.valueOf(len(binaryInput("BYTES", "[1000000000]", 8))), "1000000000 BYTES elements"),
                binary("huge binary shape", binaryBody(binaryInput("FP64", "[100000,100000]", 8), new byte[8]),
                        String.valueOf(len(binaryInput("FP64", "[100000,100000]", 8))), "more than 2147483647"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRefusedAsInvalidInput(String name, ByteBuffer body, String headerLength, String[] fragments) {
        assertThatThrownBy(() -> decoder.decode(body, headerLength))
                .isInstanceOfSatisfying(KubeServeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .message().contains(fragments)
                // the parser's own references (its source, its feature flags) mean nothing to a client
                .doesNotContain("Source:", "REDACTED", "Feature", "start marker", "starting at");
    }

    static Stream<Arguments> sharedMemory() {
        return Stream.of(
                arguments("input", "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"parameters\":"
                        + "{\"shared_memory_region\":\"in0\",\"shared_memory_byte_size\":8}}]}",
                        new String[] {"input 'x' is in shared memory (parameter shared_memory_region)",
                                "send its values in \"data\""}),
                arguments("output", "{\"outputs\":[{\"parameters\":{\"shared_memory_region\":\"out0\","
                        + "\"shared_memory_byte_size\":8},\"name\":\"y\"}]," + one("FP32", "[1]", "[1]").substring(1),
                        new String[] {"output 'y' is asked for in shared memory", "leave the parameter out"}));
    }

    /** Triton's shared-memory extensions are not implemented: UNSUPPORTED (HTTP 501) saying so, not a 400. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sharedMemory")
    void aTensorInSharedMemoryIsUnsupportedByName(String which, String body, String[] fragments) {
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(KubeServeException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContainingAll(fragments)
                .hasMessageContaining("KubeServe does not implement the shared-memory extensions");
    }
}
