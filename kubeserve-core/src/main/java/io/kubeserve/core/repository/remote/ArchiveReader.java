package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the regular files of a {@code .zip} or {@code .tar.gz} archive. Entry names go through
 * {@link SafePaths#checkKey} (no zip-slip), and link, device and FIFO entries are refused, so an
 * archive can only ever produce plain files under the cache root. The tar reader knows ustar, GNU
 * long names and pax {@code path}/{@code size} records, which covers what {@code tar} writes.
 */
final class ArchiveReader {

    /** The archive formats, by file name. */
    enum Format { ZIP, TAR_GZ }

    /** A regular file in an archive: its checked name, size, and CRC-32 (zip) or -1. */
    record Entry(String name, long size, long crc) {
    }

    private static final int BLOCK = 512;

    private ArchiveReader() {
    }

    /** The format a URL path or file name ends with, or null when it is no archive. */
    static Format formatOf(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".zip")) {
            return Format.ZIP;
        }
        if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) {
            return Format.TAR_GZ;
        }
        return null;
    }

    /** Every regular file of the archive. */
    static List<Entry> entries(Path archive, Format format) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (format == Format.ZIP) {
            try (ZipFile zip = new ZipFile(archive.toFile())) {
                for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                    if (!entry.isDirectory()) {
                        entries.add(new Entry(clean(entry.getName()), entry.getSize(), entry.getCrc()));
                    }
                }
            }
        } else {
            try (TarStream tar = new TarStream(archive)) {
                for (Entry entry = tar.next(); entry != null; entry = tar.next()) {
                    entries.add(entry);
                }
            }
        }
        return entries;
    }

    /** The content of one entry; closing the stream closes the archive. */
    static InputStream open(Path archive, Format format, String name) throws IOException {
        if (format == Format.ZIP) {
            ZipFile zip = new ZipFile(archive.toFile());
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                if (!entry.isDirectory() && clean(entry.getName()).equals(name)) {
                    return new FilterInputStream(zip.getInputStream(entry)) {
                        @Override
                        public void close() throws IOException {
                            zip.close();
                        }
                    };
                }
            }
            zip.close();
        } else {
            TarStream tar = new TarStream(archive);
            for (Entry entry = tar.next(); entry != null; entry = tar.next()) {
                if (entry.name().equals(name)) {
                    return tar.content(entry.size());
                }
            }
            tar.close();
        }
        throw new IOException("archive " + archive.getFileName() + " has no entry " + name);
    }

    /** Drops the {@code ./} that {@code tar -C dir .} puts in front, then checks the rest. */
    private static String clean(String name) {
        String cleaned = name;
        while (cleaned.startsWith("./")) {
            cleaned = cleaned.substring(2);
        }
        return SafePaths.checkKey(cleaned);
    }

    /** A forward-only reader of a gzip-compressed tar. */
    private static final class TarStream implements AutoCloseable {

        private final InputStream in;
        private long pendingSkip;

        TarStream(Path archive) throws IOException {
            this.in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)), 65536);
        }

        /** The next regular file, positioned before its content; null at the end. */
        Entry next() throws IOException {
            in.skipNBytes(pendingSkip);
            pendingSkip = 0;
            String longName = null;
            long paxSize = -1;
            while (true) {
                byte[] header = in.readNBytes(BLOCK);
                if (header.length < BLOCK || isZero(header)) {
                    return null;
                }
                char type = (char) header[156];
                long size = octal(header, 124, 12);
                String name = longName != null ? longName : name(header);
                if (type == 'L' || type == 'x' || type == 'g') {
                    byte[] data = in.readNBytes((int) size);
                    in.skipNBytes(padding(size));
                    if (type == 'L') {
                        longName = text(data, 0, data.length);
                    } else if (type == 'x') {
                        for (String record : new String(data, StandardCharsets.UTF_8).split("\n")) {
                            int space = record.indexOf(' ');
                            String keyValue = space < 0 ? "" : record.substring(space + 1);
                            if (keyValue.startsWith("path=")) {
                                longName = keyValue.substring(5);
                            } else if (keyValue.startsWith("size=")) {
                                paxSize = Long.parseLong(keyValue.substring(5).trim());
                            }
                        }
                    }
                    continue;
                }
                size = paxSize >= 0 ? paxSize : size;
                if (type == '5') {
                    in.skipNBytes(size + padding(size));
                    longName = null;
                    paxSize = -1;
                    continue;
                }
                if (type != '0' && type != '\0' && type != '7') {
                    throw KubeServeException.invalidInput("refusing archive entry '" + SafePaths.printable(name)
                            + "': only regular files and directories are allowed (tar type '" + type + "')");
                }
                pendingSkip = size + padding(size);
                return new Entry(clean(name), size, -1);
            }
        }

        /** The current entry's bytes; closing it closes the archive. */
        InputStream content(long size) {
            pendingSkip = 0;
            return new FilterInputStream(in) {
                private long left = size;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    left--;
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    left -= Math.max(n, 0);
                    return n;
                }
            };
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        private static String name(byte[] header) {
            String name = text(header, 0, 100);
            boolean ustar = text(header, 257, 5).equals("ustar");
            String prefix = ustar ? text(header, 345, 155) : "";
            return prefix.isEmpty() ? name : prefix + "/" + name;
        }

        private static String text(byte[] bytes, int offset, int length) {
            int end = offset;
            while (end < offset + length && bytes[end] != 0) {
                end++;
            }
            return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
        }

        /** Octal, or GNU base-256 when the high bit of the first byte is set. */
        private static long octal(byte[] bytes, int offset, int length) {
            if ((bytes[offset] & 0x80) != 0) {
                long value = 0;
                for (int i = offset + 1; i < offset + length; i++) {
                    value = (value << 8) | (bytes[i] & 0xff);
                }
                return value;
            }
            String digits = text(bytes, offset, length).trim();
            return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
        }

        private static long padding(long size) {
            return (BLOCK - size % BLOCK) % BLOCK;
        }

        private static boolean isZero(byte[] block) {
            for (byte b : block) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
