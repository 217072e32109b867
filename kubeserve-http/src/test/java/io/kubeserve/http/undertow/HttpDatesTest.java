package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

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
