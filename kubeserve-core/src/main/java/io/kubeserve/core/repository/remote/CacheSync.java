package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.FileSystemModelRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.stream.Stream;

/**
 * One pass that makes the cache directory mirror the store.
 *
 * <p>The unit of change is a version directory ({@code <model>/<version>/...}); any other file
 * ({@code labels.txt}, {@code config.json}, a single model's file) is a unit of its own. First
 * every changed unit is built in {@code .kubeserve/tmp} (downloads checked by
 * {@link VerifiedDownload}, unchanged files hard-linked from the cache); only when all of them are
 * ready are they moved into place with {@code ATOMIC_MOVE}, under the commit lock that readers
 * share. So a reader sees the whole old cache or the whole new one: never a partial file, never a
 * half-updated version directory, never a model whose labels arrived before its files.
 */
final class CacheSync {

    static final String META_DIR = ".kubeserve";

    private final ModelStore store;
    private final Path root;
    private final Path tmpDir;
    private final Path manifestFile;
    private final String modelName;
    private final Lock commitLock;

    /** A cache key and the store object it comes from. */
    private record Item(String cacheKey, StoreObject object) {
    }

    /** A unit ready to go live: its new content (null to delete it) and where it goes. */
    private record Staged(Path content, Path target) {
    }

    CacheSync(ModelStore store, Path root, String modelName, Lock commitLock) {
        this.store = store;
        this.root = root;
        this.tmpDir = root.resolve(META_DIR).resolve("tmp");
        this.manifestFile = root.resolve(META_DIR).resolve("objects.properties");
        this.modelName = modelName;
        this.commitLock = commitLock;
    }

    SyncResult run() throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(tmpDir);
        deleteContents(tmpDir); // leftovers of a sync that crashed
        List<StoreObject> listed = store.list();
        if (listed.isEmpty()) {
            // never mirror "nothing": a wrong prefix or a wiped bucket must not empty a working cache
            throw new KubeServeException(io.kubeserve.core.error.ErrorCode.MODEL_NOT_FOUND,
                    "no model files under " + store.uri());
        }
        Map<String, StoreObject> byKey = new HashMap<>();
        listed.forEach(object -> byKey.put(object.key(), object));
        boolean nest = listed.stream().anyMatch(o -> o.key().matches("[1-9][0-9]*/.+"));
        if (nest) {
            FileSystemModelRepository.checkName(modelName);
        }
        Map<String, List<Item>> wanted = new TreeMap<>();
        for (StoreObject object : listed) {
            SafePaths.checkKey(object.key());
            boolean sidecar = object.key().endsWith(".sha256") && byKey.containsKey(stripSidecar(object.key()));
            if (sidecar || object.key().startsWith(".")) {
                continue; // checksums are read, not served; dot-names are reserved for the cache's own files
            }
            String cacheKey = nest ? modelName + "/" + object.key() : object.key();
            SafePaths.resolve(root, cacheKey);
            wanted.computeIfAbsent(unitOf(cacheKey), unit -> new ArrayList<>()).add(new Item(cacheKey, object));
        }
        CacheManifest manifest = CacheManifest.load(manifestFile, tmpDir);
        Map<String, List<String>> cached = new TreeMap<>();
        manifest.entries().keySet().forEach(key -> cached.computeIfAbsent(unitOf(key), u -> new ArrayList<>()).add(key));

        int fetched = 0;
        long bytes = 0;
        int unchanged = 0;
        int removed = 0;
        List<Staged> staged = new ArrayList<>();
        TreeSet<String> units = new TreeSet<>(wanted.keySet());
        units.addAll(cached.keySet());
        for (String unit : units) {
            List<Item> items = wanted.getOrDefault(unit, List.of());
            List<String> before = cached.getOrDefault(unit, List.of());
            List<Item> changed = items.stream().filter(item -> !isCurrent(item, manifest)).toList();
            long gone = before.stream().filter(key -> items.stream().noneMatch(i -> i.cacheKey().equals(key))).count();
            if (changed.isEmpty() && gone == 0) {
                unchanged += items.size();
                continue;
            }
            Path target = SafePaths.resolve(root, unit);
            // the target itself may be a link: the rename replaces the link, never writes through it
            SafePaths.checkInside(root, target.getParent());
            removed += (int) gone;
            if (items.isEmpty()) {
                staged.add(new Staged(null, target));
                continue;
            }
            boolean directory = !items.get(0).cacheKey().equals(unit);
            Path content = directory ? tmpDir.resolve("unit-" + UUID.randomUUID()) : null;
            for (Item item : items) {
                boolean fetch = changed.contains(item);
                Path source = fetch ? VerifiedDownload.fetch(store, item.object(), sidecar(byKey, item.object()), tmpDir)
                        : SafePaths.resolve(root, item.cacheKey());
                if (fetch) {
                    fetched++;
                    bytes += Files.size(source);
                } else {
                    unchanged++;
                }
                if (!directory) {
                    content = source;
                    break;
                }
                Path dest = SafePaths.resolve(content, item.cacheKey().substring(unit.length() + 1));
                Files.createDirectories(dest.getParent());
                if (fetch) {
                    Files.move(source, dest, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    SafePaths.checkInside(root, source);
                    link(source, dest);
                }
            }
            staged.add(new Staged(content, target));
        }
        commit(staged, wanted, manifest);
        return new SyncResult(fetched, bytes, unchanged, removed, (System.nanoTime() - start) / 1_000_000);
    }

    /** Moves every staged unit into place; readers wait, but only for renames. */
    private void commit(List<Staged> staged, Map<String, List<Item>> wanted, CacheManifest manifest) throws IOException {
        commitLock.lock();
        try {
            for (Staged unit : staged) {
                Path old = tmpDir.resolve("old-" + UUID.randomUUID());
                boolean existed = Files.exists(unit.target(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (unit.content() != null && Files.isRegularFile(unit.content())) {
                    Files.createDirectories(unit.target().getParent());
                    // rename(2) replaces a file (or a link in its place) in one step
                    Files.move(unit.content(), unit.target(), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    continue;
                }
                if (existed) {
                    // a directory cannot be renamed over a non-empty one: step the old one aside first
                    Files.move(unit.target(), old, StandardCopyOption.ATOMIC_MOVE);
                }
                if (unit.content() != null) {
                    Files.createDirectories(unit.target().getParent());
                    Files.move(unit.content(), unit.target(), StandardCopyOption.ATOMIC_MOVE);
                }
                deleteRecursively(old);
                removeEmptyParents(unit.target().getParent());
            }
            manifest.entries().keySet().forEach(manifest::remove);
            wanted.values().forEach(items -> items.forEach(item -> manifest.put(
                    new StoreObject(item.cacheKey(), item.object().size(), item.object().etag(), null))));
            manifest.save();
            Files.writeString(root.resolve(META_DIR).resolve("synced"), store.uri() + "\n");
        } finally {
            commitLock.unlock();
        }
    }

    /** In the cache as a regular file with the size and tag the store lists now. */
    private boolean isCurrent(Item item, CacheManifest manifest) {
        Path path = root.resolve(item.cacheKey());
        try {
            return item.object().sameContentAs(manifest.get(item.cacheKey()))
                    && !Files.isSymbolicLink(path) && Files.isRegularFile(path)
                    && (item.object().size() < 0 || Files.size(path) == item.object().size());
        } catch (IOException e) {
            return false;
        }
    }

    private String sidecar(Map<String, StoreObject> byKey, StoreObject object) throws IOException {
        StoreObject sidecar = byKey.get(object.key() + ".sha256");
        if (sidecar == null) {
            return null;
        }
        try (InputStream in = store.open(sidecar)) {
            String text = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            String sha = VerifiedDownload.parseSidecar(text);
            if (sha == null) {
                throw new IOException(store.uri() + sidecar.key() + " does not start with a SHA-256 in hex");
            }
            return sha;
        }
    }

    /** {@code model/version} for files in a version directory; the key itself for any other file. */
    static String unitOf(String cacheKey) {
        String[] segments = cacheKey.split("/");
        return segments.length >= 3 ? segments[0] + "/" + segments[1] : cacheKey;
    }

    private static String stripSidecar(String key) {
        return key.substring(0, key.length() - ".sha256".length());
    }

    private static void link(Path existing, Path dest) throws IOException {
        try {
            Files.createLink(dest, existing);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(existing, dest);
        }
    }

    private void removeEmptyParents(Path dir) throws IOException {
        Path current = dir;
        while (current != null && current.startsWith(root) && !current.equals(root)) {
            try (Stream<Path> children = Files.list(current)) {
                if (children.findAny().isPresent()) {
                    return;
                }
            }
            Files.delete(current);
            current = current.getParent();
        }
    }

    static void deleteContents(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.toList()) {
                deleteRecursively(child);
            }
        }
    }

    /** Deletes a tree without following links (a link is removed, never its target). */
    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
