package io.kubeserve.core.repository.remote;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A store in memory whose faults a test turns on: unreachable, or a download that breaks midway. */
final class MemoryStore implements ModelStore {

    private final Map<String, byte[]> objects = new TreeMap<>();
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger opens = new AtomicInteger();
    volatile boolean unreachable;
    /** Downloads of this key stop with an error after {@link #breakAfter} bytes. */
    volatile String breakKey;
    volatile int breakAfter;

    MemoryStore put(String key, byte[] content) {
        synchronized (objects) {
            objects.put(key, content);
        }
        return this;
    }

    MemoryStore put(String key, String content) {
        return put(key, content.getBytes(StandardCharsets.UTF_8));
    }

    MemoryStore remove(String key) {
        synchronized (objects) {
            objects.remove(key);
        }
        return this;
    }

    @Override
    public List<StoreObject> list() throws IOException {
        lists.incrementAndGet();
        if (unreachable) {
            throw new IOException("connection refused");
        }
        List<StoreObject> listed = new ArrayList<>();
        synchronized (objects) {
            objects.forEach((key, bytes) -> listed.add(new StoreObject(key, bytes.length, md5(bytes), md5(bytes))));
        }
        return listed;
    }

    @Override
    public InputStream open(StoreObject object) throws IOException {
        opens.incrementAndGet();
        byte[] bytes;
        synchronized (objects) {
            bytes = objects.get(object.key());
        }
        if (bytes == null || unreachable) {
            throw new IOException("cannot get " + object.key());
        }
        InputStream in = new ByteArrayInputStream(bytes);
        if (!object.key().equals(breakKey)) {
            return in;
        }
        return new FilterInputStream(in) {
            private int read;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= breakAfter) {
                    throw new IOException("connection reset after " + read + " bytes");
                }
                int n = super.read(b, off, Math.min(len, breakAfter - read));
                read += Math.max(n, 0);
                return n;
            }
        };
    }

    @Override
    public String uri() {
        return "mem://test/";
    }

    @Override
    public String defaultModelName() {
        return "single";
    }

    static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
