package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads the regular files of a {@code .zip} or {@code .tar.gz} archive with Apache Commons
 * Compress. Entry names go through {@link SafePaths#checkKey} (no zip-slip, no absolute name), and
 * link, device, FIFO and sparse entries are refused, so an archive can only ever produce plain files
 * under the cache root. The tar side reads ustar, GNU (long names, base-256 sizes) and pax headers.
 *
 * <p>Commons Compress drops a leading {@code /} from a GNU long name or a pax {@code path}; this
 * class still sees the name as it was written ({@link CheckedTarStream}) and refuses it, as it does
 * an absolute ustar name. A damaged or truncated archive is an {@link IOException} naming the
 * archive. Stateless; every call opens the archive afresh.
 */
final class ArchiveReader {

    /** The archive formats, by file name. */
    enum Format { ZIP, TAR_GZ }

    /** A regular file in an archive: its checked name, size in bytes, and CRC-32 (zip) or -1. */
    record Entry(String name, long size, long crc) {
    }

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

    /**
     * Every regular file of the archive, in archive order; directories are skipped.
     *
     * @throws KubeServeException {@code INVALID_INPUT} for an unsafe name or a link/device entry
     * @throws IOException        when the archive cannot be read, is damaged or is truncated
     */
    static List<Entry> entries(Path archive, Format format) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (format == Format.ZIP) {
            try (ZipFile zip = openZip(archive)) {
                for (ZipArchiveEntry entry : Collections.list(zip.getEntries())) {
                    if (isZipFile(entry)) {
                        entries.add(new Entry(clean(entry.getName()), entry.getSize(), entry.getCrc()));
                    }
                }
            }
        } else {
            try (CheckedTarStream tar = CheckedTarStream.open(archive)) {
                for (Entry entry = tar.nextFile(); entry != null; entry = tar.nextFile()) {
                    entries.add(entry);
                }
            }
        }
        return entries;
    }

    /**
     * The content of one entry, named as {@link #entries} lists it. The caller owns the stream;
     * closing it closes the archive.
     *
     * @throws IOException when the archive has no such entry or cannot be read
     */
    static InputStream open(Path archive, Format format, String name) throws IOException {
        if (format == Format.ZIP) {
            ZipFile zip = openZip(archive);
            try {
                for (ZipArchiveEntry entry : Collections.list(zip.getEntries())) {
                    if (isZipFile(entry) && clean(entry.getName()).equals(name)) {
                        return new FilterInputStream(zip.getInputStream(entry)) {
                            @Override
                            public void close() throws IOException {
                                try {
                                    super.close();
                                } finally {
                                    zip.close();
                                }
                            }
                        };
                    }
                }
            } catch (IOException | RuntimeException e) {
                zip.close();
                throw e;
            }
            zip.close();
        } else {
            CheckedTarStream tar = CheckedTarStream.open(archive);
            try {
                for (Entry entry = tar.nextFile(); entry != null; entry = tar.nextFile()) {
                    if (entry.name().equals(name)) {
                        // reading the tar stream now yields this entry's bytes, then end of stream
                        return tar;
                    }
                }
            } catch (IOException | RuntimeException e) {
                tar.close();
                throw e;
            }
            tar.close();
        }
        throw new IOException("archive " + archive.getFileName() + " has no entry " + name);
    }

    private static ZipFile openZip(Path archive) throws IOException {
        try {
            return ZipFile.builder().setPath(archive).get();
        } catch (IOException e) {
            throw damaged(archive, e);
        }
    }

    /** A zip entry that is a plain file; a symbolic link is refused, a directory skipped. */
    private static boolean isZipFile(ZipArchiveEntry entry) {
        if (entry.isUnixSymlink()) {
            throw refuseType(entry.getName(), "zip symbolic link");
        }
        return !entry.isDirectory();
    }

    /** Drops the {@code ./} that {@code tar -C dir .} puts in front, then checks the rest. */
    private static String clean(String name) {
        String cleaned = name;
        while (cleaned.startsWith("./")) {
            cleaned = cleaned.substring(2);
        }
        return SafePaths.checkKey(cleaned);
    }

    private static KubeServeException refuseType(String name, String what) {
        return KubeServeException.invalidInput("refusing archive entry '" + SafePaths.printable(name)
                + "': only regular files and directories are allowed (" + what + ")");
    }

    private static IOException damaged(Path archive, IOException cause) {
        return new IOException("archive " + archive + " is damaged or truncated: "
                + cause.getMessage(), cause);
    }

    /**
     * A gzip-compressed tar that remembers each entry's name as written. Commons Compress normalizes
     * GNU long names and pax {@code path} values (it strips a leading {@code /}); the raw text is
     * caught here, through the library's own hook for long names and by keeping the bytes of pax
     * headers as the library reads them, so an absolute name is still refused. Reading this stream
     * reads the current entry's content. Not thread-safe.
     */
    private static final class CheckedTarStream extends TarArchiveInputStream {

        /** A pax {@code path} record: "{@code <length> path=<value>}" at the start of a line. */
        private static final Pattern PAX_PATH = Pattern.compile("(?m)^\\d+ path=(.*)$");

        private final Path archive;
        private final ByteArrayOutputStream paxBytes = new ByteArrayOutputStream();
        private final ByteArrayOutputStream globalPaxBytes = new ByteArrayOutputStream();
        private String globalPaxPath;
        private String rawLongName;

        private CheckedTarStream(InputStream in, Path archive) {
            super(in, StandardCharsets.UTF_8.name());
            this.archive = archive;
        }

        static CheckedTarStream open(Path archive) throws IOException {
            InputStream file = new BufferedInputStream(Files.newInputStream(archive), 65536);
            try {
                return new CheckedTarStream(GzipCompressorInputStream.builder().setInputStream(file)
                        .setDecompressConcatenated(true).get(), archive);
            } catch (IOException e) {
                file.close();
                throw damaged(archive, e);
            }
        }

        /** The next regular file, positioned before its content; null at the end of the archive. */
        Entry nextFile() throws IOException {
            while (true) {
                paxBytes.reset();
                globalPaxBytes.reset();
                rawLongName = null;
                TarArchiveEntry entry;
                try {
                    entry = getNextEntry();
                } catch (IOException e) {
                    throw damaged(archive, e);
                }
                String globalPath = paxPath(globalPaxBytes);
                if (globalPath != null) {
                    // global records accumulate in the library too: a later global header keeps it
                    globalPaxPath = globalPath;
                }
                if (entry == null) {
                    return null;
                }
                String name = writtenName(entry);
                byte type = entry.getLinkFlag();
                if (type == TarConstants.LF_DIR) {
                    continue;
                }
                if (type != TarConstants.LF_NORMAL && type != TarConstants.LF_OLDNORM
                        && type != TarConstants.LF_CONTIG) {
                    throw refuseType(name, "tar type '" + (char) type + "'");
                }
                if (entry.isDirectory()) {
                    // a pre-ustar directory: a regular type with a name ending in '/'
                    continue;
                }
                if (entry.isSparse()) {
                    throw refuseType(name, "sparse file");
                }
                return new Entry(clean(name), entry.getSize(), -1);
            }
        }

        /**
         * The entry's name before the library normalized it, by the library's precedence: the
         * entry's own pax {@code path}, a global pax {@code path}, a GNU long name, the header name.
         */
        private String writtenName(TarArchiveEntry entry) {
            String local = paxPath(paxBytes);
            if (local != null) {
                return local;
            }
            if (globalPaxPath != null) {
                return globalPaxPath;
            }
            return rawLongName != null ? rawLongName : entry.getName();
        }

        /** The last {@code path} record of pax header bytes, or null. */
        private static String paxPath(ByteArrayOutputStream bytes) {
            var records = PAX_PATH.matcher(bytes.toString(StandardCharsets.UTF_8));
            String path = null;
            while (records.find()) {
                path = records.group(1);
            }
            return path;
        }

        @Override
        protected byte[] getLongNameData() throws IOException {
            boolean name = getCurrentEntry() != null && getCurrentEntry().isGNULongNameEntry();
            byte[] data = super.getLongNameData();
            if (name && data != null) {
                rawLongName = new String(data, StandardCharsets.UTF_8);
            }
            return data;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n;
            try {
                n = super.read(buffer, offset, length);
            } catch (IOException e) {
                throw damaged(archive, e);
            }
            TarArchiveEntry current = getCurrentEntry();
            if (n > 0 && current != null && current.isGlobalPaxHeader()) {
                globalPaxBytes.write(buffer, offset, n);
            } else if (n > 0 && current != null && current.isPaxHeader()) {
                paxBytes.write(buffer, offset, n);
            }
            return n;
        }
    }
}
