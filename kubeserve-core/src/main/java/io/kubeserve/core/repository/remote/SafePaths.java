package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Turns keys that come from outside (object keys, archive entry names) into paths under the cache
 * root, and refuses every key or existing link that would put a file anywhere else. A store is
 * not trusted: a key such as {@code ../../etc/cron.d/x} must not write outside the cache.
 */
final class SafePaths {

    private SafePaths() {
    }

    /**
     * Checks a relative key: {@code /}-separated, no empty, {@code .} or {@code ..} segment, no
     * absolute or drive-letter start, no backslash, NUL or other control character.
     *
     * @return the key
     * @throws KubeServeException {@code INVALID_INPUT} naming the key and the reason
     */
    static String checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw refuse(key, "it is empty");
        }
        if (key.startsWith("/") || key.matches("^[A-Za-z]:.*")) {
            throw refuse(key, "it is absolute");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\') {
                throw refuse(key, "it contains a backslash");
            }
            if (c < 0x20 || c == 0x7f) {
                throw refuse(key, "it contains a control character (NUL, newline, ...)");
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw refuse(key, "it has an empty, '.' or '..' segment");
            }
        }
        return key;
    }

    /** The path of a key under {@code root}; refused when the normalized path leaves the root. */
    static Path resolve(Path root, String key) {
        checkKey(key);
        Path normalizedRoot = root.toAbsolutePath().normalize();
        Path path = normalizedRoot.resolve(key).normalize();
        if (!path.startsWith(normalizedRoot) || path.equals(normalizedRoot)) {
            throw refuse(key, "it leaves the cache directory");
        }
        return path;
    }

    /**
     * Refuses a path whose nearest existing ancestor (or itself) resolves, through symbolic links,
     * to a place outside the root, and a dangling link in its place.
     */
    static void checkInside(Path root, Path path) throws IOException {
        Path realRoot = root.toRealPath();
        Path existing = path.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw refuse(path.toString(), "no part of it exists");
        }
        if (Files.isSymbolicLink(existing) && !Files.exists(existing)) {
            throw refuse(path.toString(), "it is a dangling symbolic link");
        }
        if (!existing.toRealPath().startsWith(realRoot)) {
            throw refuse(path.toString(), "a symbolic link takes it outside the cache directory " + realRoot);
        }
    }

    private static KubeServeException refuse(String key, String why) {
        return KubeServeException.invalidInput("refusing path '" + printable(key) + "' from the model store: " + why);
    }

    /** Keys may hold control characters; keep log lines and messages on one readable line. */
    static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
