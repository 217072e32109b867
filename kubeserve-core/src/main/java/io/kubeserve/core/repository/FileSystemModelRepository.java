package io.kubeserve.core.repository;

import io.kubeserve.core.ErrorCode;
import io.kubeserve.core.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Models on a local disk, in either of two layouts.
 *
 * <p>Triton style: {@code ROOT/<model>/<version>/model.onnx} (or {@code model.pt}), versions
 * being positive integers, plus optional {@code ROOT/<model>/config.json} and
 * {@code labels.txt}. A model directory holding a model file directly counts as version 1.
 *
 * <p>Single model: {@code ROOT} itself holds a model file (or is one), served under the name
 * given or the directory's name, as version 1.
 */
public final class FileSystemModelRepository implements ModelRepository {

    /** Model names become URL path segments and directory names: keep them plain. */
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    private static final List<String> MODEL_EXTENSIONS = List.of(".onnx", ".pt", ".pth", ".torchscript");

    private final Path root;
    private final String singleModelName;
    private final ModelConfigReader configReader = new ModelConfigReader();

    private FileSystemModelRepository(Path root, String singleModelName) {
        this.root = root;
        this.singleModelName = singleModelName;
    }

    /**
     * Opens a repository, telling the layout from what is there.
     *
     * @param root      a repository directory, a single model's directory, or a model file
     * @param modelName name for a single model; null derives it from the directory or file name
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

    public static FileSystemModelRepository open(Path root) {
        return open(root, null);
    }

    @Override
    public List<String> modelNames() {
        if (singleModelName != null) {
            return List.of(singleModelName);
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(Files::isDirectory)
                    .map(dir -> dir.getFileName().toString())
                    .filter(name -> MODEL_NAME.matcher(name).matches())
                    .sorted()
                    .toList();
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
            return List.of(new ModelSource(modelName, "1", file, configReader.read(configDir)));
        }
        return versionsIn(modelName, root.resolve(modelName));
    }

    /** The versions of the model whose directory is {@code modelDir}, newest first. */
    private List<ModelSource> versionsIn(String modelName, Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw KubeServeException.modelNotFound(modelName);
        }
        ModelConfig config = configReader.read(modelDir);
        Path direct = modelFileIn(modelDir);
        if (direct != null) {
            return List.of(new ModelSource(modelName, "1", direct, config));
        }
        List<ModelSource> versions = new ArrayList<>();
        try (Stream<Path> children = Files.list(modelDir)) {
            for (Path dir : children.filter(Files::isDirectory).toList()) {
                String version = dir.getFileName().toString();
                Path file = modelFileIn(dir);
                if (VERSION.matcher(version).matches() && file != null) {
                    versions.add(new ModelSource(modelName, version, file, config));
                }
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

    /** Model names become URL path segments and directory names; remote stores apply the same rule. */
    public static void checkName(String name) {
        if (name == null || !MODEL_NAME.matcher(name).matches() || name.contains("..")) {
            throw KubeServeException.invalidInput("'" + name + "' is not a valid model name (letters, digits, '_', '.', '-')");
        }
    }
}
