package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpDatesTest {

    /** RFC 9110 §5.6.7's IMF-fixdate, as java.time writes it: the oracle. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static String expected(long epochSecond) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(epochSecond));
    }

    @Test
    void theRfcsOwnExampleAndTheEpoch() {
        assertThat(HttpDates.format(784_111_777L)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(HttpDates.format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
    }

    @Test
    void leapDaysCenturiesAndDatesBeforeTheEpoch() {
        for (LocalDateTime t : new LocalDateTime[] {
            LocalDateTime.of(2000, 2, 29, 23, 59, 59), LocalDateTime.of(2000, 3, 1, 0, 0, 0),
            LocalDateTime.of(2100, 2, 28, 12, 0, 0), LocalDateTime.of(2100, 3, 1, 0, 0, 1),
            LocalDateTime.of(2024, 12, 31, 23, 59, 59), LocalDateTime.of(1969, 12, 31, 23, 59, 59),
            LocalDateTime.of(1900, 1, 1, 0, 0, 0), LocalDateTime.of(1, 1, 1, 0, 0, 0),
            LocalDateTime.of(9999, 12, 31, 23, 59, 59)}) {
            long second = t.toEpochSecond(ZoneOffset.UTC);
            assertThat(HttpDates.format(second)).as("%s", t).isEqualTo(expected(second));
        }
    }

    @Test
    void agreesWithJavaTimeOnRandomSecondsOfFourCenturies() {
        SplittableRandom random = new SplittableRandom(20261201);
        long from = LocalDateTime.of(1900, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
        long to = LocalDateTime.of(2300, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
        for (int i = 0; i < 20_000; i++) {
            long second = random.nextLong(from, to);
            assertThat(HttpDates.format(second)).as("second %d", second).isEqualTo(expected(second));
        }
    }

    /** The handler dates its answers itself: with Undertow's own Date turned off they still carry one. */
    @Test
    void theHandlersAnswersAreDatedWithoutUndertowsDate(@TempDir Path repository) throws Exception {
        try (ModelRegistry registry = new ModelRegistry(FileSystemModelRepository.open(repository),
                ModelRegistry.defaultLoaders())) {
            KubeServeHandler handler = KubeServeHandler.builder(registry).workers(Runnable::run).build();
            Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1")
                    .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false).setHandler(handler).build();
            undertow.start();
            try {
                int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
                HttpClient client = HttpClient.newHttpClient();
                for (String path : new String[] {"/v2/health/live", "/v2/models/absent"}) {
                    long before = Math.floorDiv(System.currentTimeMillis(), 1000L);
                    HttpResponse<String> answer = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    long after = Math.floorDiv(System.currentTimeMillis(), 1000L);
                    assertThat(answer.headers().allValues("date")).as(path).hasSize(1);
                    long dated = Instant.from(IMF_FIXDATE.parse(answer.headers().firstValue("date").orElseThrow()))
                            .getEpochSecond();
                    assertThat(dated).as(path).isBetween(before, after);
                }
            } finally {
                undertow.stop();
            }
        }
    }

    @Test
    void nowIsTheCurrentSecond() {
        long before = Math.floorDiv(System.currentTimeMillis(), 1000L);
        String now = HttpDates.now();
        long after = Math.floorDiv(System.currentTimeMillis(), 1000L);

        assertThat(now).isIn(expected(before), expected(after));
        assertThat(HttpDates.now()).as("the same second, the same text, or the next one")
                .isIn(now, expected(after), expected(after + 1));
    }
}
