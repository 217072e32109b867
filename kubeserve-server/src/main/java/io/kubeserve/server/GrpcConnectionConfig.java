package io.kubeserve.server;

import io.kubeserve.grpc.KubeServeGrpc;
import java.time.Duration;
import java.util.Objects;

/**
 * How the gRPC listener manages its connections: their age, the server's keepalive pings, which
 * pings it accepts from clients, and what one connection may hold and reset. An immutable, validated
 * value, safe to share between threads; validation messages name the command-line flags.
 *
 * @param maxConnectionAge            how long a connection takes new calls before the server ends it
 *                                    gracefully (GOAWAY; the calls and streams open on it run to their
 *                                    end) and the client reconnects, so that pods an autoscaler adds get
 *                                    calls; {@link Duration#ZERO}: connections live as long as their
 *                                    clients keep them ({@code --grpc-max-connection-age})
 * @param keepAliveTime               how long a connection may be silent before the server pings it, at
 *                                    least 10 s ({@code --grpc-keepalive-time})
 * @param keepAliveTimeout            how long the ping's answer may take before the server closes the
 *                                    connection, at least 1 s ({@code --grpc-keepalive-timeout})
 * @param permitKeepAliveTime         the shortest interval between a client's pings that the server
 *                                    accepts; {@link Duration#ZERO}: any ({@code --grpc-permit-keepalive-time})
 * @param permitKeepAliveWithoutCalls whether clients may ping a connection with no call open
 *                                    ({@code --grpc-permit-keepalive-without-calls})
 * @param maxConcurrentStreams        the calls a connection may have open at once, HTTP/2's
 *                                    {@code SETTINGS_MAX_CONCURRENT_STREAMS}; a {@code ModelStreamInfer}
 *                                    stream is one ({@code --grpc-max-concurrent-streams})
 * @param maxRstStreams               the streams a connection may reset within {@code rstStreamWindow}
 *                                    before the server sends it away (GOAWAY {@code too_many_rststreams});
 *                                    0: no limit ({@code --grpc-max-rst-streams})
 * @param rstStreamWindow             the window those resets are counted in, whole seconds
 *                                    ({@code --grpc-rst-stream-window})
 */
public record GrpcConnectionConfig(Duration maxConnectionAge, Duration keepAliveTime, Duration keepAliveTimeout,
                                   Duration permitKeepAliveTime, boolean permitKeepAliveWithoutCalls,
                                   int maxConcurrentStreams, int maxRstStreams, Duration rstStreamWindow) {

    /**
     * Checks every setting.
     *
     * @param maxConnectionAge            how long a connection takes new calls; {@link Duration#ZERO}: no limit
     * @param keepAliveTime               silence before the server pings a connection, at least 10 s
     * @param keepAliveTimeout            how long the ping's answer may take, at least 1 s
     * @param permitKeepAliveTime         the shortest interval between a client's pings accepted, 0 to 2 h
     * @param permitKeepAliveWithoutCalls whether clients may ping a connection with no call open
     * @param maxConcurrentStreams        the calls a connection may have open at once, at least 1
     * @param maxRstStreams               the resets a connection may have in a window, 0 (no limit) or more
     * @param rstStreamWindow             the window, whole seconds, 1 s to 1 h
     * @throws IllegalArgumentException for a connection age other than zero under 1 s, a keepalive time
     *                                  under 10 s, a keepalive timeout under 1 s, a permitted interval
     *                                  outside 0 to 2 h, fewer than 1 concurrent stream, a negative reset
     *                                  count, or a window outside 1 s to 1 h or not whole seconds
     * @throws NullPointerException     when a duration is null
     */
    public GrpcConnectionConfig {
        Objects.requireNonNull(maxConnectionAge, "maxConnectionAge");
        Objects.requireNonNull(keepAliveTime, "keepAliveTime");
        Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
        Objects.requireNonNull(permitKeepAliveTime, "permitKeepAliveTime");
        Objects.requireNonNull(rstStreamWindow, "rstStreamWindow");
        if (!maxConnectionAge.isZero() && maxConnectionAge.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--grpc-max-connection-age must be 0 (no limit) or at least 1 second,"
                    + " got " + seconds(maxConnectionAge));
        }
        if (keepAliveTime.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException("--grpc-keepalive-time must be at least 10 seconds, got "
                    + seconds(keepAliveTime));
        }
        if (keepAliveTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--grpc-keepalive-timeout must be at least 1 second, got "
                    + seconds(keepAliveTimeout));
        }
        if (permitKeepAliveTime.isNegative() || permitKeepAliveTime.compareTo(Duration.ofHours(2)) > 0) {
            // grpc-java accepts a ping every 2 h whatever is set: a longer time would promise what it does not do
            throw new IllegalArgumentException("--grpc-permit-keepalive-time must be between 0 and 7200 seconds, got "
                    + seconds(permitKeepAliveTime));
        }
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("--grpc-max-concurrent-streams must be at least 1, got "
                    + maxConcurrentStreams);
        }
        if (maxRstStreams < 0) {
            throw new IllegalArgumentException("--grpc-max-rst-streams must be 0 (no limit) or more, got " + maxRstStreams);
        }
        if (rstStreamWindow.compareTo(Duration.ofSeconds(1)) < 0 || rstStreamWindow.compareTo(Duration.ofHours(1)) > 0
                || rstStreamWindow.toNanosPart() != 0) {
            throw new IllegalArgumentException("--grpc-rst-stream-window must be between 1 and 3600 seconds, got "
                    + seconds(rstStreamWindow));
        }
    }

    /**
     * The defaults: gRPC's own for age and keepalive, those of grpc-java and gRPC's C core alike (no
     * connection age, a ping after 2 h of silence answered within 20 s, client pings at most every
     * 5 min and only with a call open), and the gRPC adapter's stream limits (100 calls open at once,
     * 1,000 resets in 10 s; grpc-java has none).
     *
     * @return the defaults
     */
    public static GrpcConnectionConfig defaults() {
        return new GrpcConnectionConfig(Duration.ZERO, Duration.ofHours(2), Duration.ofSeconds(20),
                Duration.ofMinutes(5), false, KubeServeGrpc.DEFAULT_MAX_CONCURRENT_CALLS,
                KubeServeGrpc.DEFAULT_MAX_RESET_STREAMS, KubeServeGrpc.DEFAULT_RESET_STREAM_WINDOW);
    }

    /**
     * A copy with another connection age.
     *
     * @param age {@link Duration#ZERO} (no limit) or at least 1 s
     * @return the changed copy
     * @throws IllegalArgumentException when {@code age} is under 1 s but not zero
     */
    public GrpcConnectionConfig withMaxConnectionAge(Duration age) {
        return new GrpcConnectionConfig(age, keepAliveTime, keepAliveTimeout, permitKeepAliveTime,
                permitKeepAliveWithoutCalls, maxConcurrentStreams, maxRstStreams, rstStreamWindow);
    }

    /**
     * The settings in words, for the start-up log, e.g. "connections renewed after 60 s (±10 %),
     * pinged after 7200 s of silence (answer within 20 s), client pings accepted 300 s apart with
     * calls open, at most 100 calls open at once per connection, sent away after more than 1000 resets
     * in 10 s".
     *
     * @return one line
     */
    public String describe() {
        return (maxConnectionAge.isZero() ? "connections kept as long as clients keep them"
                : "connections renewed after " + seconds(maxConnectionAge) + " (±10 %)")
                + ", pinged after " + seconds(keepAliveTime) + " of silence (answer within " + seconds(keepAliveTimeout)
                + "), client pings accepted "
                + (permitKeepAliveTime.isZero() ? "at any rate " : seconds(permitKeepAliveTime) + " apart ")
                + (permitKeepAliveWithoutCalls ? "with or without calls" : "with calls open")
                + ", at most " + maxConcurrentStreams + (maxConcurrentStreams == 1 ? " call" : " calls")
                + " open at once per connection, "
                + (maxRstStreams == 0 ? "resets not limited"
                        : "sent away after more than " + maxRstStreams + " resets in " + seconds(rstStreamWindow));
    }

    /** "-5 s" or "500 ms": whole seconds as the flags take them, else what was given. */
    private static String seconds(Duration value) {
        return value.toMillis() % 1000 == 0 ? value.toSeconds() + " s" : value.toMillis() + " ms";
    }
}
