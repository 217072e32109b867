package io.kubeserve.http.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.KubeServeException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lying sizes are refused before the codec allocates for them, measured, not assumed. */
class HostileSizeTest {

    private static final long ONE_MEGABYTE = 1 << 20;

    private final V2RequestDecoder decoder = new V2RequestDecoder();

    private static long allocatedBy(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private void refuse(ByteBuffer body, String headerLength) {
        assertThatThrownBy(() -> decoder.decode(body, headerLength)).isInstanceOf(KubeServeException.class);
    }

    private static ByteBuffer utf8(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void jsonShapeFarBeyondTheBodyAllocatesNothingLarge() {
        // 40000 x 40000 FP64 would be 12.8 GB, yet within int range: only the body-size bound stops it
        ByteBuffer body = utf8("{\"inputs\":[{\"name\":\"x\",\"shape\":[40000,40000],\"datatype\":\"FP64\","
                + "\"data\":[" + "1,".repeat(1000) + "1]}]}");
        refuse(body.duplicate(), null); // warm up class loading

        assertThat(allocatedBy(() -> refuse(body.duplicate(), null))).isLessThan(ONE_MEGABYTE);
    }

    @Test
    void binaryBytesCountBeyondTheDataAllocatesNothingLarge() {
        String json = "{\"inputs\":[{\"name\":\"s\",\"shape\":[100000000],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":16}}]}";
        ByteBuffer body = ByteBuffer.allocate(json.length() + 16).put(json.getBytes(StandardCharsets.UTF_8));
        String header = String.valueOf(json.length());
        refuse(body.duplicate(), header);

        assertThat(allocatedBy(() -> refuse(body.duplicate(), header))).isLessThan(ONE_MEGABYTE);
    }

    @Test
    void manyLyingInputsCostOnlyTheFirstLie() {
        StringBuilder json = new StringBuilder("{\"inputs\":[");
        for (int i = 0; i < 2000; i++) {
            json.append(i == 0 ? "" : ",").append("{\"name\":\"x").append(i)
                    .append("\",\"shape\":[4000],\"datatype\":\"FP64\",\"data\":[]}");
        }
        ByteBuffer body = utf8(json.append("]}").toString());
        refuse(body.duplicate(), null);

        // the first input's 32 KB buffer is allocated and refused; the other 1999 are never read
        assertThat(allocatedBy(() -> refuse(body.duplicate(), null))).isLessThan(ONE_MEGABYTE);
    }
}
