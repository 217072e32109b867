package io.kubeserve.http.codec;

import io.kubeserve.core.error.KubeServeException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte array that JSON and binary tensor data are written into, so a response is
 * assembled in one buffer and handed out without another copy when it was sized right.
 */
final class ByteSink extends OutputStream {

    private static final int MAX_SIZE = Integer.MAX_VALUE - 16;

    private byte[] bytes;
    private int size;

    ByteSink(int initialCapacity) {
        bytes = new byte[Math.max(64, initialCapacity)];
    }

    int size() {
        return size;
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /** Copies the remaining bytes of {@code source} without moving its position. */
    void write(ByteBuffer source) {
        int length = source.remaining();
        ensure(length);
        source.duplicate().get(bytes, size, length);
        size += length;
    }

    void writeIntLittleEndian(int value) {
        ensure(4);
        bytes[size++] = (byte) value;
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) (value >>> 16);
        bytes[size++] = (byte) (value >>> 24);
    }

    byte[] toByteArray() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }

    private void ensure(int extra) {
        long needed = (long) size + extra;
        if (needed <= bytes.length) {
            return;
        }
        if (needed > MAX_SIZE) {
            throw KubeServeException.internal("the response body would exceed 2 GiB", null);
        }
        bytes = Arrays.copyOf(bytes, (int) Math.min(MAX_SIZE, Math.max(needed, 2L * bytes.length)));
    }
}
