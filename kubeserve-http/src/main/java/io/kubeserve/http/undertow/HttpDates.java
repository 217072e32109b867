package io.kubeserve.http.undertow;

import java.time.LocalDate;

/**
 * The {@code Date} response header, written by us rather than by Undertow. RFC 9110 §6.6.1 asks an
 * origin server with a clock to send it on every 2xx, 3xx and 4xx response, in the IMF-fixdate form
 * of §5.6.7 ({@code Sun, 06 Nov 1994 08:49:37 GMT}). Undertow adds one only when a response has
 * none, and makes it with a {@code SimpleDateFormat}: the first response of a process then sets up
 * a {@code GregorianCalendar} and the locale data behind it, about 30 ms of a one-core start
 * (docs/BENCHMARKS.md, start-up eighth look). Here the text comes from the epoch second through
 * {@link LocalDate} (no calendar, no locale data), in English and GMT as the RFC fixes them, and
 * is kept for the rest of that second. {@link RequestIds} puts it on every response it sees.
 *
 * <p>Thread-safe: the cache is one immutable pair behind a volatile field; racing threads at a
 * second's turn each format it, and either result is right.
 */
final class HttpDates {

    /** In {@link java.time.DayOfWeek}'s order, Monday first. */
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};
    private static final int SECONDS_A_DAY = 86_400;

    private static volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    private HttpDates() {
    }

    /**
     * The current time as an IMF-fixdate.
     *
     * @return e.g. {@code Tue, 01 Dec 2026 03:40:07 GMT}
     */
    static String now() {
        long second = Math.floorDiv(System.currentTimeMillis(), 1000L);
        Formatted cached = last;
        if (cached.second() != second) {
            cached = new Formatted(second, format(second));
            last = cached;
        }
        return cached.text();
    }

    /**
     * One instant as an IMF-fixdate (RFC 9110 §5.6.7).
     *
     * @param epochSecond seconds since 1970-01-01T00:00:00Z, for years 1 to 9999
     * @return 29 characters, e.g. {@code Thu, 01 Jan 1970 00:00:00 GMT} for 0
     */
    static String format(long epochSecond) {
        long epochDay = Math.floorDiv(epochSecond, SECONDS_A_DAY);
        int secondOfDay = (int) Math.floorMod(epochSecond, SECONDS_A_DAY);
        LocalDate date = LocalDate.ofEpochDay(epochDay);

        StringBuilder text = new StringBuilder(29).append(DAYS[date.getDayOfWeek().ordinal()]).append(", ");
        twoDigits(text, date.getDayOfMonth()).append(' ').append(MONTHS[date.getMonthValue() - 1]).append(' ');
        String digits = Integer.toString(date.getYear());
        text.append("0000", 0, Math.max(0, 4 - digits.length())).append(digits).append(' ');
        twoDigits(text, secondOfDay / 3600).append(':');
        twoDigits(text, secondOfDay / 60 % 60).append(':');
        return twoDigits(text, secondOfDay % 60).append(" GMT").toString();
    }

    private static StringBuilder twoDigits(StringBuilder text, int value) {
        return text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    private record Formatted(long second, String text) {
    }
}
