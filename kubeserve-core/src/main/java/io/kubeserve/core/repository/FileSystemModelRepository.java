package io.kubeserve.core.repository;

import io.kubeserve.core.error.ErrorCode;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models on a local disk, in either of two layouts.
 *
 * <p>Triton style: {@code ROOT/<model>/<version>/model.onnx} (or {@code model.pt}), versions
 * being positive integers, plus optional {@code ROOT/<model>/config.json} or Triton's
 * {@code config.pbtxt} (see {@link ModelConfigReader}) and {@code labels.txt}. A model directory
 * holding a model file directly counts as version 1.
 *
 * <p>Single model: {@code ROOT} itself holds a model file (or is one), served under the name
 * given or the directory's name, as version 1.
 *
 * <p>A model's name is its directory's name, any text a URL can carry percent-encoded as UTF-8
 * ({@code /v2/models/mod%C3%A8le/infer} serves {@code modèle}), within {@link #NAMING_RULE}.
 * Whatever the repository passes over, a directory whose name breaks the rule, a version
 * directory that is not a version or holds no model file, a model file lying in the root, is
 * logged with the reason and the rule, once per entry, rather than silently left out.
 */
public final class FileSystemModelRepository implements ModelRepository {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelRepository.class);

    /** What the log says to whoever wonders why a directory is not served. */
    public static final String NAMING_RULE = "a model is a directory ROOT/<name>; <name> is any UTF-8 text of"
            + " 1 to 128 characters up to U+FFFF without '/', '\\' or control characters, not starting with '.',"
            + " written percent-encoded in URLs; its versions are directories named 1, 2, 3, ... (no leading zeros),"
            + " each holding one model file: model.onnx, model.pt, model.joblib or another model.*";
    private static final int MAX_NAME_LENGTH = 128;
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    private static final List<String> MODEL_EXTENSIONS = List.of(".onnx", ".pt", ".pth", ".torchscript");

    private final Path root;
    private final String singleModelName;
    private final ModelConfigReader configReader = new ModelConfigReader();
    /** Entries already logged as skipped, so a poll every few seconds does not repeat them. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    private FileSystemModelRepository(Path root, String singleModelName) {
        this.root = root;
        this.singleModelName = singleModelName;
    }

    /**
     * Opens a repository, telling the layout from what is there.
     *
     * @param root      a repository directory, a single model's directory, or a model file
     * @param modelName name for a single model; null derives it from the directory or file name
     *                  (without its extension); ignored for a repository of several models
     * @return the repository; it holds no open files, so there is nothing to close. Thread-safe:
     *         every call reads the disk afresh
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if {@code root} does not exist;
     *         {@code INVALID_INPUT} if a single model's name breaks {@link #NAMING_RULE}
     */
    public static FileSystemModelRepository open(Path root, String modelName) {
        Path absolute = root.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            throw new KubeServeException(ErrorCode.MODEL_NOT_FOUND, "model repository " + absolute + " does not exist");
        }
        boolean single = Files.isRegularFile(absolute) || modelFileIn(absolute) != null || isVersionedModelDir(absolute);
        if (!single) {
            return new FileSystemModelRepository(absolute, null);
        }
        String name = modelName != null ? modelName : deriveName(absolute);
        checkName(name);
        return new FileSystemModelRepository(absolute, name);
    }

    /**
     * {@link #open(Path, String)} with the single model's name, if it is one, derived from {@code root}.
     *
     * @param root a repository directory, a single model's directory, or a model file
     * @return the repository, thread-safe and holding nothing to close
     * @throws KubeServeException {@code MODEL_NOT_FOUND} if {@code root} does not exist;
     *         {@code INVALID_INPUT} if the derived name breaks {@link #NAMING_RULE}
     */
    public static FileSystemModelRepository open(Path root) {
        return open(root, null);
    }

    @Override
    public List<String> modelNames() {
        if (singleModelName != null) {
            return List.of(singleModelName);
        }
        try (Stream<Path> children = Files.list(root)) {
            List<String> names = new ArrayList<>();
            for (Path child : children.sorted().toList()) {
                String name = child.getFileName().toString();
                if (!Files.isDirectory(child)) {
                    if (modelFileName(name)) {
                        skip(child, "a model file directly in a repository of several models is not served;"
                                + " move it to " + root.resolve(stem(name)).resolve("1").resolve(name));
                    }
                    continue;
                }
                String problem = nameProblem(name);
                if (problem != null) {
                    skip(child, "the name " + problem);
                } else {
                    names.add(name);
                }
            }
            return names;
        } catch (IOException e) {
            throw KubeServeException.internal("cannot list model repository " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<ModelSource> versions(String modelName) {
        checkName(modelName);
        if (singleModelName != null) {
            if (!singleModelName.equals(modelName)) {
                throw KubeServeException.modelNotFound(modelName);
            }
            if (isVersionedModelDir(root)) {
                return versionsIn(modelName, root);
            }
            Path file = Files.isRegularFile(root) ? root : modelFileIn(root);
            Path configDir = Files.isRegularFile(root) ? root.getParent() : root;
            return List.of(new ModelSource(modelName, "1", file, configReader.read(configDir, modelName)));
        }
        return versionsIn(modelName, root.resolve(modelName));
    }

    /** The versions of the model whose directory is {@code modelDir}, newest first. */
    private List<ModelSource> versionsIn(String modelName, Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw KubeServeException.modelNotFound(modelName);
        }
        ModelConfig config = configReader.read(modelDir, modelName);
        Path direct = modelFileIn(modelDir);
        if (direct != null) {
            return List.of(new ModelSource(modelName, "1", direct, config));
        }
        List<ModelSource> versions = new ArrayList<>();
        try (Stream<Path> children = Files.list(modelDir)) {
            for (Path dir : children.filter(Files::isDirectory).sorted().toList()) {
                String version = dir.getFileName().toString();
                if (!VERSION.matcher(version).matches()) {
                    skip(dir, "model '" + modelName + "': '" + printable(version) + "' is not a version"
                            + (version.matches("0[0-9]*") ? " (versions start at 1, without leading zeros)"
                            : " (version directories are named by positive integers)"));
                    continue;
                }
                Path file = modelFileIn(dir);
                if (file == null) {
                    skip(dir, "model '" + modelName + "' version " + version + " holds no model file (a model.* file such as"
                            + " model.onnx, model.pt or model.joblib, or a single .onnx/.pt/.pth/.torchscript file)");
                    continue;
                }
                versions.add(new ModelSource(modelName, version, file, config));
            }
        } catch (IOException e) {
            throw KubeServeException.internal("cannot list " + modelDir + ": " + e.getMessage(), e);
        }
        if (versions.isEmpty()) {
            throw KubeServeException.invalidInput("model '" + modelName + "' has no version directory with a model file"
                    + " (expected " + modelDir + "/<version>/model.onnx or model.pt)");
        }
        versions.sort(Comparator.comparingLong((ModelSource s) -> Long.parseLong(s.version())).reversed());
        return versions;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    /**
     * The model file in a directory: {@code model.<ext>} for a built-in format first, then any
     * {@code model.*} (a plug-in engine's format), else the only file with a built-in extension.
     */
    static Path modelFileIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        for (String extension : MODEL_EXTENSIONS) {
            Path candidate = dir.resolve("model" + extension);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> regular = files.filter(Files::isRegularFile).sorted().toList();
            for (Path file : regular) {
                if (file.getFileName().toString().startsWith("model.")) {
                    return file;
                }
            }
            List<Path> models = regular.stream()
                    .filter(file -> MODEL_EXTENSIONS.stream().anyMatch(ext -> file.getFileName().toString().endsWith(ext)))
                    .toList();
            return models.size() == 1 ? models.get(0) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A Triton model directory ({@code iris/1/model.onnx}) given as the root: one model, its versions inside. */
    static boolean isVersionedModelDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.anyMatch(child -> Files.isDirectory(child)
                    && VERSION.matcher(child.getFileName().toString()).matches() && modelFileIn(child) != null);
        } catch (IOException e) {
            return false;
        }
    }

    private static String deriveName(Path path) {
        String name = path.getFileName().toString();
        if (Files.isRegularFile(path)) {
            int dot = name.lastIndexOf('.');
            name = dot > 0 ? name.substring(0, dot) : name;
        }
        return name;
    }

    /**
     * Checks a model name against {@link #NAMING_RULE}. Model names become URL path segments and
     * directory names; remote stores apply the same rule.
     *
     * @param name the name to check; null is refused
     * @throws KubeServeException {@code INVALID_INPUT} naming the problem and the rule
     */
    public static void checkName(String name) {
        String problem = name == null ? "is missing" : nameProblem(name);
        if (problem != null) {
            throw KubeServeException.invalidInput("'" + printable(name) + "' is not a valid model name: it " + problem
                    + "; " + NAMING_RULE);
        }
    }

    /**
     * Why {@code name} cannot be a model's name, or null if it can. The rule keeps a name one safe
     * path segment (no separators, no {@code .} or {@code ..}, no hidden directories such as
     * {@code .git}), printable, and readable: a name the JVM could not decode from the file
     * system (a non-UTF-8 locale) would be served under a mangled name no client could write.
     *
     * @param name a candidate name, not null
     * @return the problem, worded to follow "the name" ({@code "is empty"}, {@code "contains a path
     *         separator"}, ...), or null if the name is valid
     */
    public static String nameProblem(String name) {
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
            return "is longer than " + MAX_NAME_LENGTH + " characters";
        }
        if (name.startsWith(".")) {
            return "starts with '.' (hidden directories such as .git are not models)";
        }
        if (name.equals("lost+found")) {
            return "is the file system's own directory";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "contains a path separator";
            }
            if (Character.isISOControl(c)) {
                return "contains a control character";
            }
            if (c == '\uFFFD' || Character.isSurrogate(c) && !validSurrogate(name, i)) {
                return "could not be decoded in the JVM's file name encoding (" + System.getProperty("sun.jnu.encoding")
                        + "); run the server with a UTF-8 locale, e.g. LANG=C.UTF-8";
            }
            if (Character.isSurrogate(c)) {
                // JNI hands paths to native code in modified UTF-8, where these are two 3-byte halves:
                // OnnxRuntime then looks for a file that does not exist
                return "contains a character beyond U+FFFF (such as an emoji), under which the native engines"
                        + " cannot open a model file";
            }
        }
        return null;
    }

    private static boolean validSurrogate(String text, int index) {
        char c = text.charAt(index);
        return Character.isHighSurrogate(c) ? index + 1 < text.length() && Character.isLowSurrogate(text.charAt(index + 1))
                : index > 0 && Character.isHighSurrogate(text.charAt(index - 1));
    }

    /** Logs, once per entry and reason, that the repository passes over {@code path}. */
    private void skip(Path path, String reason) {
        if (!reported.add(path + "\n" + reason)) {
            return;
        }
        String name = path.getFileName().toString();
        if (name.startsWith(".") || name.equals("lost+found")) {
            // expected beside models (.git, a volume's lost+found): worth a line, not a warning
            LOG.info("model repository: skipping {}: {}", printable(path.toString()), reason);
        } else {
            LOG.warn("model repository: skipping {}: {}. Naming rule: {}", printable(path.toString()), reason, NAMING_RULE);
        }
    }

    private static boolean modelFileName(String name) {
        return MODEL_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /** Keeps log lines on one line whatever bytes a directory name holds. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
