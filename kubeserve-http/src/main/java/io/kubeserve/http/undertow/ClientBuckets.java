package io.kubeserve.http.undertow;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One token bucket per client, at most {@code maxClients} of them: the least recently seen client
 * is forgotten first, so a flood of made-up source addresses costs bounded memory. A forgotten
 * client starts again with a full bucket, which errs on the side of letting it through.
 */
final class ClientBuckets {

    private final long perSecond;
    private final long capacity;
    private final Map<String, Bucket> buckets;

    /**
     * @param perSecond  sustained requests a second for one client
     * @param burst      requests a client may send at once on top of that
     * @param maxClients how many clients are remembered
     */
    ClientBuckets(long perSecond, long burst, int maxClients) {
        if (perSecond < 1 || burst < 0 || maxClients < 1) {
            throw new IllegalArgumentException("rate must be >= 1, burst >= 0 and maxClients >= 1");
        }
        this.perSecond = perSecond;
        this.capacity = perSecond + burst;
        // access order: get() moves a client to the end, so the eldest entry is the least recently seen
        this.buckets = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxClients;
            }
        };
    }

    /** The client's bucket, created full on first sight. */
    Bucket bucket(String client) {
        // the lock covers only the map; taking a token from the bucket is lock-free
        synchronized (buckets) {
            return buckets.computeIfAbsent(client, key -> Bucket.builder()
                    .addLimit(limit -> limit.capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)))
                    .build());
        }
    }

    int size() {
        synchronized (buckets) {
            return buckets.size();
        }
    }
}
