package io.kubeserve.server;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Enumeration;
import java.util.Locale;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Extracts the native libraries inside the fat jar into a directory once, at image build or
 * install time, so that a server pointed at them writes nothing big at start and runs with a
 * read-only root and a {@code noexec} {@code /tmp}. Without it, ONNX Runtime copies its two
 * libraries (about 21 MB) to {@code java.io.tmpdir} at every start, DJL copies PyTorch's (about
 * 450 MB) to its cache directory, and Netty copies its epoll library to {@code java.io.tmpdir}: each
 * must then be loadable from there.
 *
 * <p>Run as {@code java -cp kubeserve-server.jar io.kubeserve.server.ExtractNatives DIR}; it writes
 * <ul>
 *   <li>{@code DIR/onnxruntime/}: ONNX Runtime's libraries for this platform, used with the system
 *       property {@code onnxruntime.native.path=DIR/onnxruntime};</li>
 *   <li>{@code DIR/lib/}: Netty's epoll transport (gRPC), found through
 *       {@code java.library.path=DIR/lib}, which Netty tries before extracting its own copy; and
 *       JNA's {@code libjnidispatch.so} (DJL looks for CUDA through JNA), found through
 *       {@code jna.boot.library.path=DIR/lib} before JNA unpacks its own under {@code ~/.cache};</li>
 *   <li>{@code DIR/djl/pytorch/...}: PyTorch and DJL's JNI library, extracted by DJL itself into the
 *       engine cache it is given; at run time {@code ENGINE_CACHE_DIR=DIR/djl} (environment or
 *       system property) makes DJL find them there and write nothing. Skipped when the jar has no
 *       PyTorch engine (the ONNX-only jar).</li>
 * </ul>
 * and prints the JVM options and environment that use them. Everything written is readable by
 * all users (directories 755, files 644), since the server may run as another user than the one
 * that extracted. Existing files are replaced. Not for
 * use inside a running server; exits with status 1 and a message on any failure.
 *
 * <p>With {@code --slim-jar OUT} it also writes a copy of the jar without the natives it extracted
 * (an image then holds them once): that jar runs only with the options above pointing at
 * {@code DIR}.
 */
public final class ExtractNatives {

    private ExtractNatives() {
    }

    /** Where the natives this class extracts are in the jar (the PyTorch ones: DJL's own layout). */
    private static final List<String> NATIVE_PREFIXES = List.of("ai/onnxruntime/native/", "pytorch/", "jnilib/",
            "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_");

    /**
     * Extracts into {@code args[0]}; with {@code --slim-jar OUT} after it, writes the slim jar too.
     *
     * @param args the directory to write (created if missing), optionally {@code --slim-jar} and a
     *             file to write
     * @throws Exception if the jar cannot be read or the directory written; the JVM then exits 1
     */
    public static void main(String[] args) throws Exception {
        boolean slim = args.length == 3 && args[1].equals("--slim-jar");
        if (args.length != 1 && !slim) {
            System.err.println("usage: java -cp kubeserve-server.jar " + ExtractNatives.class.getName()
                    + " DIR [--slim-jar OUT.jar]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Path jar = ownJar();
        String ortPlatform = ortPlatform();
        int ort;
        int netty;
        int jna;
        try (JarFile file = new JarFile(jar.toFile())) {
            ort = copyEntries(file, "ai/onnxruntime/native/" + ortPlatform + "/", dir.resolve("onnxruntime"));
            netty = copyEntries(file, "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_"
                    + nettyArch(), dir.resolve("lib"));
            jna = copyEntries(file, "com/sun/jna/linux-" + (isArm() ? "aarch64" : "x86-64") + "/libjnidispatch.so",
                    dir.resolve("lib"));
        }
        if (ort == 0) {
            throw new IllegalStateException("no ONNX Runtime natives for " + ortPlatform + " in " + jar);
        }
        boolean pytorch = Engine.hasEngine("PyTorch");
        if (pytorch) {
            // DJL extracts libtorch and its JNI library into the engine cache it is pointed at
            System.setProperty("ENGINE_CACHE_DIR", dir.resolve("djl").toString());
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            Engine engine = Engine.getEngine("PyTorch");
            System.err.println("PyTorch " + engine.getVersion() + " extracted under " + dir.resolve("djl"));
        }
        readableByAll(dir);
        if (slim) {
            writeSlimJar(jar, Path.of(args[2]));
        }
        PrintStream out = System.out;
        out.println("# " + ort + " ONNX Runtime, " + netty + " Netty, " + jna + " JNA" + (pytorch ? ", PyTorch" : "")
                + " native libraries under " + dir + "; run the server with:");
        if (pytorch) {
            out.println("export ENGINE_CACHE_DIR=" + dir.resolve("djl"));
        }
        out.println("java -Donnxruntime.native.path=" + dir.resolve("onnxruntime")
                + " -Djava.library.path=" + dir.resolve("lib") + " -Djna.boot.library.path=" + dir.resolve("lib")
                + " -jar " + jar + " ...");
    }

    private static Path ownJar() throws URISyntaxException {
        Path location = Path.of(ExtractNatives.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(location)) {
            throw new IllegalStateException("run this from the fat jar, not from " + location);
        }
        return location;
    }

    /** ONNX Runtime's name for this platform's folder in its jar. */
    private static String ortPlatform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new IllegalStateException("the fat jar carries Linux natives only, this is " + os);
        }
        return "linux-" + (isArm() ? "aarch64" : "x64");
    }

    private static String nettyArch() {
        return isArm() ? "aarch_64" : "x86_64";
    }

    private static boolean isArm() {
        String arch = System.getProperty("os.arch");
        return arch.equals("aarch64") || arch.equals("arm64");
    }

    /**
     * DJL extracts through temporary files and directories, which are private to their owner; the
     * server runs as another user than the one that extracted (root at image build): directories
     * become 755, files 644.
     */
    private static void readableByAll(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** Copies the jar, manifest first as it is, leaving out the entries under {@link #NATIVE_PREFIXES}. */
    private static void writeSlimJar(Path jar, Path out) throws IOException {
        if (out.toAbsolutePath().equals(jar.toAbsolutePath())) {
            throw new IllegalArgumentException("the slim jar must not replace the jar it is read from");
        }
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        try (JarFile in = new JarFile(jar.toFile());
             JarOutputStream slim = new JarOutputStream(Files.newOutputStream(out))) {
            for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                // the libraries go; their .properties stay (DJL reads the versions from them)
                if (NATIVE_PREFIXES.stream().anyMatch(entry.getName()::startsWith)
                        && !entry.isDirectory() && !entry.getName().endsWith(".properties")) {
                    continue;
                }
                JarEntry copy = new JarEntry(entry.getName());
                copy.setTime(entry.getTime());
                slim.putNextEntry(copy);
                if (!entry.isDirectory()) {
                    try (InputStream data = in.getInputStream(entry)) {
                        data.transferTo(slim);
                    }
                }
                slim.closeEntry();
            }
        }
    }

    /** Copies every file entry whose name starts with {@code prefix} into {@code target}, flat; returns how many. */
    private static int copyEntries(JarFile jar, String prefix, Path target) throws IOException {
        int copied = 0;
        for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
            JarEntry entry = entries.nextElement();
            if (entry.isDirectory() || !entry.getName().startsWith(prefix)) {
                continue;
            }
            String name = entry.getName().substring(entry.getName().lastIndexOf('/') + 1);
            Files.createDirectories(target);
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
            copied++;
        }
        return copied;
    }
}
