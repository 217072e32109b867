package io.kubeserve.http.undertow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.Bucket;
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
 */
final class ClientBuckets {

    private final long perSecond;
    private final long capacity;
    private final TimeMeter bucketClock;
    private final Cache<String, Bucket> buckets;

    /**
     * @param perSecond  sustained requests a second for one client, at least 1
     * @param burst      requests a client may send at once on top of that, at least 0
     * @param maxClients how many clients are remembered, at least 1
     * @throws IllegalArgumentException when a bound is out of range
     */
    ClientBuckets(long perSecond, long burst, int maxClients) {
        this(perSecond, burst, maxClients, null);
    }

    /**
     * As above, with one clock (nanoseconds) for the cache's expiry and the buckets' refill; tests
     * pass a fake one. Null means the system clocks: Caffeine's ticker and bucket4j's default.
     */
    ClientBuckets(long perSecond, long burst, int maxClients, Ticker ticker) {
        if (perSecond < 1 || burst < 0 || maxClients < 1) {
            throw new IllegalArgumentException("rate must be >= 1, burst >= 0 and maxClients >= 1");
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
