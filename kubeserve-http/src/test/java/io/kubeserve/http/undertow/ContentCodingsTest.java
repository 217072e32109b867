package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Content-Encoding decoder without sockets: header parsing, stepwise decoding, the limit. */
class ContentCodingsTest {

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] zlib(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(out)) {
            deflate.write(data);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
        "identity|true", "IDENTITY|true", "' '|true", "gzip|false", "x-gzip|false", " Gzip |false",
        "deflate|false", "gzip, identity|false", "identity, deflate|false"})
    void knownCodingsParse(String header, boolean identity) throws Exception {
        assertThat(ContentCodings.parse(List.of(header)).isIdentity()).isEqualTo(identity);
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {"br|br", "compress|compress", "gzip, zstd|zstd", "x-compress|x-compress"})
    void unknownCodingsAreRefusedByName(String header, String named) {
        assertThatThrownBy(() -> ContentCodings.parse(List.of(header)))
                .isInstanceOf(ContentCodings.Unsupported.class)
                .hasMessageContaining("'" + named + "' is not supported").hasMessageContaining("gzip, deflate");
    }

    @Test
    void noHeaderIsIdentity() throws Exception {
        assertThat(ContentCodings.parse(null).isIdentity()).isTrue();
    }

    @Test
    void severalHeaderLinesAndStackedCodingsAreUndoneInReverse() throws Exception {
        byte[] plain = "{\"instances\": [[1, 2, 3, 4]]}".getBytes(StandardCharsets.UTF_8);
        ContentCodings codings = ContentCodings.parse(List.of("deflate", "gzip"));
        assertThat(codings.decode(gzip(zlib(plain)), 1 << 20).result()).isEqualTo(plain);
    }

    @Test
    void decodingStopsWhereAskedAndGoesOnLater() throws Exception {
        byte[] plain = "0123456789".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        ContentCodings.Decoding decoding = ContentCodings.parse(List.of("gzip")).decode(gzip(plain), 1 << 20);
        assertThat(decoding.advance(16 * 1024 + 1)).as("not done after 16 KiB of 100 KB").isFalse();
        assertThat(decoding.result()).isEqualTo(plain);
    }

    @Test
    void theLimitAppliesToTheDecodedBytes() throws Exception {
        byte[] plain = new byte[100_000];
        ContentCodings.Decoding decoding = ContentCodings.parse(List.of("gzip")).decode(gzip(plain), 99_999);
        assertThatThrownBy(decoding::result).isInstanceOf(ContentCodings.TooLarge.class);
        assertThat(ContentCodings.parse(List.of("gzip")).decode(gzip(plain), 100_000).result()).hasSize(100_000);
    }

    @Test
    void truncatedAndForeignBytesAreIoErrorsInOurWords() throws Exception {
        byte[] gzipped = gzip("{\"a\": 1}".repeat(100).getBytes(StandardCharsets.UTF_8));
        ContentCodings.Decoding cut = ContentCodings.parse(List.of("gzip")).decode(Arrays.copyOf(gzipped, 20), 1 << 20);
        IOException truncated = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, cut::result);
        assertThat(cut.describe(truncated)).isEqualTo(
                "the request body is not valid gzip data (Content-Encoding): it ends too early");
        ContentCodings.Decoding plain = ContentCodings.parse(List.of("deflate"))
                .decode("not compressed at all".getBytes(StandardCharsets.UTF_8), 1 << 20);
        IOException foreign = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, plain::result);
        assertThat(plain.describe(foreign)).startsWith("the request body is not valid deflate data");
    }
}
