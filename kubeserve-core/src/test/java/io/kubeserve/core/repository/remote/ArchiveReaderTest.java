package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.error.KubeServeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ArchiveReader} on archives written block by block here (not by the library under test):
 * ustar, GNU long names, pax headers, hostile names and types, damaged and truncated files.
 */
class ArchiveReaderTest {

    @TempDir
    Path dir;

    /** A tar written by hand, one 512-byte header and padded data per entry. */
    static final class Tar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Tar file(String name, String content) {
            return entry(name, '0', content.getBytes(StandardCharsets.UTF_8));
        }

        Tar entry(String name, char type, byte[] data) {
            out.writeBytes(header(name, type, data.length));
            out.writeBytes(data);
            out.writeBytes(new byte[(512 - data.length % 512) % 512]);
            return this;
        }

        /** A GNU long-name entry ({@code L}) for the entry that follows. */
        Tar longName(String name) {
            return entry("././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8));
        }

        /** A pax header ({@code x}, or {@code g} when global) with one record. */
        Tar pax(char type, String key, String value) {
            String record = " " + key + "=" + value + "\n";
            int length = record.length() + 1;
            while (Integer.toString(length).length() + record.length() != length) {
                length++;
            }
            return entry("PaxHeaders/x", type, (length + record).getBytes(StandardCharsets.UTF_8));
        }

        byte[] bytes() {
            ByteArrayOutputStream done = new ByteArrayOutputStream();
            done.writeBytes(out.toByteArray());
            done.writeBytes(new byte[1024]);
            return done.toByteArray();
        }

        private static byte[] header(String name, char type, long size) {
            byte[] header = new byte[512];
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(bytes, 0, header, 0, Math.min(100, bytes.length));
            octal(header, 100, 8, 0644);
            octal(header, 108, 8, 0);
            octal(header, 116, 8, 0);
            octal(header, 124, 12, size);
            octal(header, 136, 12, 0);
            header[156] = (byte) type;
            System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
            Arrays.fill(header, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            octal(header, 148, 7, sum);
            return header;
        }

        private static void octal(byte[] header, int offset, int length, long value) {
            String digits = String.format("%" + (length - 1) + "s", Long.toOctalString(value)).replace(' ', '0');
            System.arraycopy(digits.getBytes(StandardCharsets.US_ASCII), 0, header, offset, length - 1);
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static String read(Path archive, ArchiveReader.Format format, String name) throws IOException {
        try (InputStream in = ArchiveReader.open(archive, format, name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void formatsAreKnownByTheirEndings() {
        assertThat(ArchiveReader.formatOf("models.ZIP")).isEqualTo(ArchiveReader.Format.ZIP);
        assertThat(ArchiveReader.formatOf("repo.tar.gz")).isEqualTo(ArchiveReader.Format.TAR_GZ);
        assertThat(ArchiveReader.formatOf("repo.tgz")).isEqualTo(ArchiveReader.Format.TAR_GZ);
        assertThat(ArchiveReader.formatOf("iris.onnx")).isNull();
    }

    @Test
    void readsUstarGnuLongNamesAndPaxHeaders() throws IOException {
        String longDir = "d".repeat(120);
        String paxName = "p".repeat(150) + "/model.onnx";
        byte[] tar = new Tar()
                .entry("./iris/", '5', new byte[0])
                .file("./iris/1/model.onnx", "ustar body")
                .longName("iris/" + longDir + "/labels.txt")
                .file("iris/truncated-by-100", "gnu body")
                .pax('x', "path", paxName)
                .file("short-pax-name", "pax body")
                .bytes();
        Path archive = write("repo.tar.gz", gzip(tar));

        List<ArchiveReader.Entry> entries = ArchiveReader.entries(archive, ArchiveReader.Format.TAR_GZ);

        assertThat(entries).containsExactly(
                new ArchiveReader.Entry("iris/1/model.onnx", 10, -1),
                new ArchiveReader.Entry("iris/" + longDir + "/labels.txt", 8, -1),
                new ArchiveReader.Entry(paxName, 8, -1));
        assertThat(read(archive, ArchiveReader.Format.TAR_GZ, "iris/1/model.onnx")).isEqualTo("ustar body");
        assertThat(read(archive, ArchiveReader.Format.TAR_GZ, "iris/" + longDir + "/labels.txt")).isEqualTo("gnu body");
        assertThat(read(archive, ArchiveReader.Format.TAR_GZ, paxName)).isEqualTo("pax body");
        assertThatThrownBy(() -> ArchiveReader.open(archive, ArchiveReader.Format.TAR_GZ, "iris/2/model.onnx"))
                .isInstanceOf(IOException.class).hasMessageContaining("has no entry iris/2/model.onnx");
    }

    @Test
    void aPaxSizeOverridesTheHeaderSize() throws IOException {
        byte[] body = "twelve bytes".getBytes(StandardCharsets.UTF_8);
        Tar tar = new Tar().pax('x', "size", Integer.toString(body.length));
        // the ustar size field says 0; the pax record is the truth and the data follows
        tar.out.writeBytes(Tar.header("big.bin", '0', 0));
        tar.out.writeBytes(body);
        tar.out.writeBytes(new byte[512 - body.length]);
        Path archive = write("pax.tgz", gzip(tar.bytes()));
        assertThat(ArchiveReader.entries(archive, ArchiveReader.Format.TAR_GZ))
                .containsExactly(new ArchiveReader.Entry("big.bin", 12, -1));
        assertThat(read(archive, ArchiveReader.Format.TAR_GZ, "big.bin")).isEqualTo("twelve bytes");
    }

    @Test
    void absoluteNamesAreRefusedHoweverTheyAreWritten() throws IOException {
        List<Tar> archives = List.of(
                new Tar().file("/etc/cron.d/x", "a"),
                new Tar().longName("/etc/cron.d/long").file("short", "a"),
                new Tar().pax('x', "path", "/etc/cron.d/pax").file("short", "a"),
                new Tar().pax('g', "path", "/etc/cron.d/global").file("short", "a"));
        for (Tar tar : archives) {
            Path archive = write("abs.tar.gz", gzip(tar.bytes()));
            assertThatThrownBy(() -> ArchiveReader.entries(archive, ArchiveReader.Format.TAR_GZ))
                    .isInstanceOf(KubeServeException.class)
                    .hasMessageContaining("'/etc/cron.d/").hasMessageContaining("it is absolute");
        }
    }

    @Test
    void traversalIsRefusedInEveryNameForm() throws IOException {
        List<Tar> archives = List.of(
                new Tar().file("iris/../../escape", "a"),
                new Tar().longName("../" + "x".repeat(120)).file("short", "a"),
                new Tar().pax('x', "path", "a/../../escape").file("short", "a"));
        for (Tar tar : archives) {
            Path archive = write("slip.tar.gz", gzip(tar.bytes()));
            assertThatThrownBy(() -> ArchiveReader.entries(archive, ArchiveReader.Format.TAR_GZ))
                    .isInstanceOf(KubeServeException.class).hasMessageContaining("'.' or '..' segment");
        }
    }

    @Test
    void linksDevicesFifosAndSparseFilesAreRefused() throws IOException {
        for (char type : new char[] {'1', '2', '3', '4', '6', 'S'}) {
            Path archive = write("links.tar.gz", gzip(new Tar().file("ok", "a").entry("bad", type, new byte[0]).bytes()));
            assertThatThrownBy(() -> ArchiveReader.entries(archive, ArchiveReader.Format.TAR_GZ))
                    .as("tar type %s", type)
                    .isInstanceOf(KubeServeException.class)
                    .hasMessageContaining("refusing archive entry 'bad'")
                    .hasMessageContaining("only regular files and directories are allowed");
        }
    }

    @Test
    void aTruncatedArchiveIsAClearError() throws IOException {
        byte[] body = new byte[4096];
        Arrays.fill(body, (byte) 7);
        byte[] tar = new Tar().entry("a.bin", '0', body).file("b.txt", "b").bytes();

        // the tar stops inside a.bin's data: listing cannot reach b.txt
        Path cutTar = write("cut-tar.tar.gz", gzip(Arrays.copyOf(tar, 512 + 1000)));
        assertThatThrownBy(() -> ArchiveReader.entries(cutTar, ArchiveReader.Format.TAR_GZ))
                .isInstanceOf(IOException.class).hasMessageContaining("damaged or truncated");

        // the gzip stream itself stops half way
        byte[] gz = gzip(tar);
        Path cutGzip = write("cut-gzip.tar.gz", Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> ArchiveReader.entries(cutGzip, ArchiveReader.Format.TAR_GZ))
                .isInstanceOf(IOException.class).hasMessageContaining("damaged or truncated");
    }

    @Test
    void readingATruncatedEntryFailsInsteadOfEndingEarly() throws IOException {
        byte[] body = new byte[4096];
        Arrays.fill(body, (byte) 7);
        byte[] tar = new Tar().entry("a.bin", '0', body).bytes();
        Path cut = write("cut.tar.gz", gzip(Arrays.copyOf(tar, 512 + 1000)));
        assertThatThrownBy(() -> {
            try (InputStream in = ArchiveReader.open(cut, ArchiveReader.Format.TAR_GZ, "a.bin")) {
                in.readAllBytes();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("damaged or truncated");
    }

    @Test
    void aFileThatIsNoGzipIsAClearError() throws IOException {
        Path archive = write("plain.tar.gz", new Tar().file("a", "a").bytes());
        assertThatThrownBy(() -> ArchiveReader.entries(archive, ArchiveReader.Format.TAR_GZ))
                .isInstanceOf(IOException.class).hasMessageContaining("damaged or truncated");
        Path zip = write("plain.zip", "not a zip".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ArchiveReader.entries(zip, ArchiveReader.Format.ZIP))
                .isInstanceOf(IOException.class).hasMessageContaining("damaged or truncated");
    }

    @Test
    void zipEntriesCarryTheirCrcAndDirectoriesAreSkipped() throws IOException {
        byte[] body = "zip body".getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(body);
        Path archive = dir.resolve("repo.zip");
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(archive)) {
            zip.putArchiveEntry(new ZipArchiveEntry("./iris/"));
            zip.closeArchiveEntry();
            zip.putArchiveEntry(new ZipArchiveEntry("./iris/1/model.onnx"));
            zip.write(body);
            zip.closeArchiveEntry();
        }
        assertThat(ArchiveReader.entries(archive, ArchiveReader.Format.ZIP))
                .containsExactly(new ArchiveReader.Entry("iris/1/model.onnx", body.length, crc.getValue()));
        assertThat(read(archive, ArchiveReader.Format.ZIP, "iris/1/model.onnx")).isEqualTo("zip body");
    }

    @Test
    void zipSymbolicLinksAreRefused() throws IOException {
        Path archive = dir.resolve("link.zip");
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(archive)) {
            ZipArchiveEntry link = new ZipArchiveEntry("iris/1/model.onnx");
            link.setUnixMode(0120777);
            zip.putArchiveEntry(link);
            zip.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }
        assertThatThrownBy(() -> ArchiveReader.entries(archive, ArchiveReader.Format.ZIP))
                .isInstanceOf(KubeServeException.class)
                .hasMessageContaining("refusing archive entry 'iris/1/model.onnx'")
                .hasMessageContaining("zip symbolic link");
    }
}
