package io.kubeserve.core.repository.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What the cache holds, by key: the size and tag each file had in the store when it was fetched,
 * so the next sync downloads only what changed. Kept in {@code .kubeserve/objects.properties}
 * and replaced atomically, so a crash leaves the old or the new manifest, never half of one.
 */
final class CacheManifest {

    private final Path file;
    private final Path tmpDir;
    private final Map<String, StoreObject> entries = new HashMap<>();

    private CacheManifest(Path file, Path tmpDir) {
        this.file = file;
        this.tmpDir = tmpDir;
    }

    static CacheManifest load(Path file, Path tmpDir) throws IOException {
        CacheManifest manifest = new CacheManifest(file, tmpDir);
        if (Files.isRegularFile(file)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
            for (String key : properties.stringPropertyNames()) {
                String[] parts = properties.getProperty(key).split(" ", 2);
                try {
                    String etag = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : null;
                    manifest.entries.put(key, new StoreObject(key, Long.parseLong(parts[0]), etag, null));
                } catch (NumberFormatException e) {
                    // a damaged line only costs a new download of that file
                }
            }
        }
        return manifest;
    }

    StoreObject get(String key) {
        return entries.get(key);
    }

    Map<String, StoreObject> entries() {
        return Map.copyOf(entries);
    }

    void put(StoreObject object) {
        entries.put(object.key(), new StoreObject(object.key(), object.size(), object.etag(), null));
    }

    void remove(String key) {
        entries.remove(key);
    }

    void save() throws IOException {
        Properties properties = new Properties();
        entries.forEach((key, object) -> properties.setProperty(key,
                object.size() + " " + (object.etag() == null ? "" : object.etag())));
        Path tmp = Files.createTempFile(tmpDir, "manifest", ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            properties.store(out, "files in this model cache: size and store tag");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
