package io.kubeserve.core.repository.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Copies one object into a temporary file and checks it: the size the store listed, the MD5 it
 * vouches for, and a SHA-256 from a {@code <file>.sha256} sidecar when there is one. Only a file
 * that passes leaves this class; anything else is deleted and reported as an {@link IOException}.
 */
final class VerifiedDownload {

    private VerifiedDownload() {
    }

    /**
     * @param sha256 expected SHA-256 in hex, or null
     * @return the checked temporary file, in {@code tmpDir}
     */
    static Path fetch(ModelStore store, StoreObject object, String sha256, Path tmpDir) throws IOException {
        Path tmp = Files.createTempFile(tmpDir, "download", ".part");
        try {
            MessageDigest md5 = digest("MD5");
            MessageDigest sha = digest("SHA-256");
            long count = 0;
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = store.open(object); OutputStream out = Files.newOutputStream(tmp)) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                    md5.update(buffer, 0, n);
                    sha.update(buffer, 0, n);
                    count += n;
                }
            }
            String where = store.uri() + object.key();
            if (object.size() >= 0 && count != object.size()) {
                throw new IOException(where + ": got " + count + " bytes, the store listed " + object.size());
            }
            check(where, "MD5", object.md5(), md5);
            check(where, "SHA-256 (from its .sha256 file)", sha256, sha);
            return tmp;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** The first word of a {@code sha256sum}-style sidecar, if it is a SHA-256. */
    static String parseSidecar(String text) {
        String first = text.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        return first.matches("[0-9a-f]{64}") ? first : null;
    }

    private static void check(String where, String what, String expected, MessageDigest digest) throws IOException {
        if (expected == null) {
            return;
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equalsIgnoreCase(expected)) {
            throw new IOException(where + ": " + what + " is " + actual + ", expected " + expected);
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }
}
