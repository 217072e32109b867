package io.kubeserve.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The models the benchmarks run, bundled in this jar and copied into a temporary model repository,
 * so {@code java -jar benchmarks.jar} works from any directory.
 *
 * <ul>
 *   <li>{@code iris}: the scikit-learn logistic regression of {@code examples/models} (ZipMap output,
 *       so it runs on the OnnxRuntime session path), with its labels;</li>
 *   <li>{@code mlp_onnx}: the reference 4→16→3 MLP exported from PyTorch ({@code mlp_torch.onnx}),
 *       tensor outputs only, so it runs on the DJL path.</li>
 * </ul>
 */
public final class BenchModels {

    public static final String IRIS = "iris";
    public static final String MLP = "mlp_onnx";

    private static final String ROOT = "/io/kubeserve/bench/models/";

    private BenchModels() {
    }

    /** A fresh repository holding the named models; delete it with {@link #delete}. */
    public static Path repository(String... models) {
        try {
            Path dir = Files.createTempDirectory("kubeserve-bench-models");
            for (String model : models) {
                copy(model + "/1/model.onnx", dir);
                if (model.equals(IRIS)) {
                    copy(IRIS + "/labels.txt", dir);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ONNX file of a model inside a repository made by {@link #repository}. */
    public static Path modelFile(Path repository, String model) {
        return repository.resolve(model).resolve("1").resolve("model.onnx");
    }

    /** Removes a repository made by {@link #repository}; quiet, since it runs in teardown. */
    public static void delete(Path repository) {
        if (repository == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(repository)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is not worth failing a benchmark run over
        }
    }

    private static void copy(String resource, Path dir) throws IOException {
        Path target = dir.resolve(resource);
        Files.createDirectories(target.getParent());
        try (InputStream in = BenchModels.class.getResourceAsStream(ROOT + resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + ROOT + resource + " is missing from the bench jar");
            }
            Files.copy(in, target);
        }
    }
}
