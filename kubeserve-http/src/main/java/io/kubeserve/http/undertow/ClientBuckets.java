package io.kubeserve.http.undertow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Duration;

/**
 * One token bucket per client in a bounded Caffeine cache: at most {@code maxClients} buckets, so a
 * flood of made-up source addresses costs bounded memory; when full, Caffeine drops the clients
 * seen least often and least recently first. A client idle for as long as its bucket takes to
 * refill from empty is dropped too: its bucket would be full again anyway, so forgetting it changes
 * no answer. A forgotten client starts again with a full bucket, which errs on the side of letting
 * it through.
 *
 * <p>Thread-safe without a global lock: lookups are lock-free reads of a concurrent map, and the
 * cache's upkeep (eviction, expiry) runs on the calling thread, in small amortized steps, so no
 * background pool is involved.
 *
 * <p>One instance can be shared by several front ends so that a client has one budget across
 * them: the server gives the same instance to the HTTP adapter
 * ({@link KubeServeHandler.Builder#rateLimit(ClientBuckets)}) and to the gRPC adapter. They must
 * then name a client the same way: {@code token:} followed by the unpadded base64url SHA-256 of
 * its valid API token, else {@code address:} followed by its IP address as
 * {@link java.net.InetAddress#getHostAddress()} writes it ({@code address:unknown} when there is
 * none).
 */
public final class ClientBuckets {

    private final long perSecond;
    private final long capacity;
    private final TimeMeter bucketClock;
    private final Cache<String, Bucket> buckets;

    /**
     * Buckets of {@code perSecond + burst} requests, refilled at {@code perSecond} a second.
     *
     * @param perSecond  sustained requests a second for one client, at least 1
     * @param burst      requests a client may send at once on top of that, at least 0
     * @param maxClients how many clients are remembered, at least 1
     * @throws IllegalArgumentException when a bound is out of range
     */
    public ClientBuckets(long perSecond, long burst, int maxClients) {
        this(perSecond, burst, maxClients, null);
    }

    /**
     * As above, with one clock (nanoseconds) for the cache's expiry and the buckets' refill; tests
     * pass a fake one. Null means the system clocks: Caffeine's ticker and bucket4j's default.
     */
    ClientBuckets(long perSecond, long burst, int maxClients, Ticker ticker) {
        if (perSecond < 1 || burst < 0 || maxClients < 1) {
            throw new IllegalArgumentException("rate must be >= 1, burst >= 0 and maxClients >= 1, got rate "
                    + perSecond + ", burst " + burst + ", maxClients " + maxClients);
        }
        this.perSecond = perSecond;
        this.capacity = perSecond + burst;
        this.bucketClock = ticker == null ? null : new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return ticker.read();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(refillTime(perSecond, capacity))
                .executor(Runnable::run)
                .ticker(ticker == null ? Ticker.systemTicker() : ticker)
                .build();
    }

    /** The time an emptied bucket of {@code capacity} tokens takes to fill again, rounded up to a second. */
    static Duration refillTime(long perSecond, long capacity) {
        return Duration.ofSeconds(Math.max(1, (capacity + perSecond - 1) / perSecond));
    }

    /**
     * Takes one request from the client's bucket when it has one.
     *
     * @param client the client's key (see the class comment); a client seen for the first time
     *               starts with a full bucket
     * @return 0 when the request is admitted (and counted), else how long, in nanoseconds, until
     *         the bucket holds a request again (at least 1; nothing is taken)
     * @throws NullPointerException if {@code client} is null
     */
    public long nanosUntilAdmitted(String client) {
        ConsumptionProbe probe = bucket(client).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
    }

    /**
     * The sustained rate, for messages.
     *
     * @return requests a second refilled per client
     */
    public long perSecond() {
        return perSecond;
    }

    /**
     * The burst allowance, for messages.
     *
     * @return requests a client may send at once on top of {@link #perSecond()}
     */
    public long burst() {
        return capacity - perSecond;
    }

    /** The client's bucket, created full on first sight; taking a token from it is lock-free. */
    Bucket bucket(String client) {
        return buckets.get(client, key -> {
            LocalBucketBuilder builder = Bucket.builder()
                    .addLimit(limit -> limit.capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)));
            return (bucketClock == null ? builder : builder.withCustomTimePrecision(bucketClock)).build();
        });
    }

    /** How many clients are remembered, after pending evictions and expiries are applied. */
    int size() {
        buckets.cleanUp();
        return (int) buckets.estimatedSize();
    }
}
