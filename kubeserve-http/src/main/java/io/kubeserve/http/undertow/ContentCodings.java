package io.kubeserve.http.undertow;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * The content codings of a request body ({@code Content-Encoding}, RFC 9110 §8.4): {@code gzip}
 * (and its alias {@code x-gzip}), {@code deflate} and {@code identity}, applied in the order
 * listed, so undone in reverse. Decoding uses the JDK's {@link GZIPInputStream} and
 * {@link InflaterInputStream}; the decoded size is counted against the body limit as it grows, so
 * a small compressed body that would inflate past the limit stops there (a 413), never filling
 * the heap.
 */
final class ContentCodings {

    /** What the server decodes; the {@code Accept-Encoding} of a 415 for an unknown coding. */
    static final String SUPPORTED = "gzip, deflate";

    private static final ContentCodings IDENTITY = new ContentCodings(List.of());

    private enum Coding { GZIP, DEFLATE }

    private final List<Coding> codings;

    private ContentCodings(List<Coding> codings) {
        this.codings = codings;
    }

    /** A {@code Content-Encoding} the server does not decode; its message is for the client. */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    /** The decoded body would pass the limit. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * The codings named by the request's {@code Content-Encoding} values (null or empty: none).
     *
     * @throws Unsupported naming the first coding that is not gzip, deflate or identity
     */
    static ContentCodings parse(Iterable<String> headerValues) throws Unsupported {
        if (headerValues == null) {
            return IDENTITY;
        }
        List<Coding> found = new ArrayList<>(1);
        for (String value : headerValues) {
            for (String token : value.split(",")) {
                String coding = token.trim().toLowerCase(Locale.ROOT);
                switch (coding) {
                    case "", "identity" -> { }
                    case "gzip", "x-gzip" -> found.add(Coding.GZIP);
                    case "deflate" -> found.add(Coding.DEFLATE);
                    default -> throw new Unsupported("Content-Encoding '" + token.trim() + "' is not supported;"
                            + " send the body uncompressed or with " + SUPPORTED);
                }
            }
        }
        return found.isEmpty() ? IDENTITY : new ContentCodings(List.copyOf(found));
    }

    boolean isIdentity() {
        return codings.isEmpty();
    }

    /** A decoding of {@code body} that stops with {@link TooLarge} once past {@code maxBytes}. */
    Decoding decode(byte[] body, long maxBytes) {
        return new Decoding(this, body, maxBytes);
    }

    @Override
    public String toString() {
        return String.join(", ", codings.stream().map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
    }

    /**
     * One body being decoded, in steps: {@link #advance} decodes up to a number of bytes and may be
     * called again on another thread (never on two at once), so a body that turns out big is
     * finished off the I/O thread.
     */
    static final class Decoding {

        private final ContentCodings codings;
        private final long maxBytes;
        private final byte[] chunk = new byte[8192];
        private InputStream in;
        private byte[] out;
        private int size;
        private boolean done;
        private Exception failure;

        private Decoding(ContentCodings codings, byte[] body, long maxBytes) {
            this.codings = codings;
            this.maxBytes = maxBytes;
            this.out = new byte[(int) Math.min(maxBytes, Math.max(256, Math.min(body.length * 4L, 1 << 20)))];
            InputStream stream = new ByteArrayInputStream(body);
            try {
                // the first coding listed was applied first, so it is undone last
                for (int i = codings.codings.size() - 1; i >= 0; i--) {
                    stream = codings.codings.get(i) == Coding.GZIP ? new GZIPInputStream(stream, 8192)
                            : inflating(stream);
                }
                this.in = stream;
            } catch (IOException e) {
                finish(e);
            }
        }

        /**
         * Decodes until the end of the body or until {@code untilBytes} decoded bytes are in,
         * whichever comes first. Failures are kept for {@link #result}.
         *
         * @return true when decoding is over (complete or failed)
         */
        boolean advance(long untilBytes) {
            try {
                while (!done && size < untilBytes) {
                    int read = in.read(chunk, 0, chunk.length);
                    if (read < 0) {
                        finish(null);
                        break;
                    }
                    if (size + (long) read > maxBytes) {
                        finish(new TooLarge());
                        break;
                    }
                    if (size + read > out.length) {
                        // size + read <= maxBytes here, and a body array already held maxBytes
                        out = Arrays.copyOf(out, (int) Math.min(Math.max(out.length * 2L, size + read), maxBytes));
                    }
                    System.arraycopy(chunk, 0, out, size, read);
                    size += read;
                }
            } catch (IOException | RuntimeException e) {
                finish(e);
            }
            return done;
        }

        /**
         * Decodes the rest and returns the body.
         *
         * @throws TooLarge    past the limit
         * @throws IOException the bytes are not what the coding says ({@link #describe} words it)
         */
        byte[] result() throws TooLarge, IOException {
            advance(Long.MAX_VALUE);
            if (failure instanceof TooLarge tooLarge) {
                throw tooLarge;
            }
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure != null) {
                throw new IOException(failure.getMessage(), failure);
            }
            return size == out.length ? out : Arrays.copyOf(out, size);
        }

        /** The client's words for a body that does not decode. */
        String describe(IOException e) {
            String why = e instanceof EOFException ? "it ends too early"
                    : e instanceof ZipException && e.getMessage() != null ? e.getMessage()
                    : "it cannot be decoded";
            return "the request body is not valid " + codings + " data (Content-Encoding): " + why;
        }

        private void finish(Exception failed) {
            done = true;
            failure = failed;
            if (in != null) {
                try {
                    in.close(); // frees the inflater's native memory now rather than at collection
                } catch (IOException ignored) {
                    // a byte array underneath: nothing to release
                }
            }
            in = InputStream.nullInputStream();
        }

        /**
         * RFC 9110's {@code deflate} is the zlib format (RFC 1950); some clients send raw deflate
         * (RFC 1951) under that name. A zlib stream is told by its two-byte header.
         */
        private static InputStream inflating(InputStream stream) throws IOException {
            java.io.PushbackInputStream peek = new java.io.PushbackInputStream(stream, 2);
            int first = peek.read();
            int second = first < 0 ? -1 : peek.read();
            if (second >= 0) {
                peek.unread(second);
            }
            if (first >= 0) {
                peek.unread(first);
            }
            boolean zlib = first >= 0 && second >= 0 && (first & 0x0F) == 8 && ((first << 8) | second) % 31 == 0;
            if (first < 0) {
                throw new EOFException();
            }
            return new InflaterInputStream(peek, new Inflater(!zlib), 8192) {
                private boolean ended;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int read = super.read(b, off, len);
                    if (read < 0 && !ended) {
                        ended = true;
                        if (!inf.finished()) {
                            // InflaterInputStream reports a truncated stream as an EOFException already;
                            // an unfinished one here means the input ran out mid-block
                            throw new EOFException();
                        }
                    }
                    return read;
                }

                @Override
                public void close() throws IOException {
                    inf.end();
                    super.close();
                }
            };
        }
    }
}
