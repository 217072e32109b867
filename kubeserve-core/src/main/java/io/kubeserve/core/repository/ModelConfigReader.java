package io.kubeserve.core.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.VersionPolicy;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a model's {@code config.json} and {@code labels.txt}. Unknown keys are errors, so a typo
 * such as {@code max_batchsize} is reported instead of silently ignored.
 *
 * <pre>{@code
 * {
 *   "engine": "onnxruntime",            // or "pytorch"; default: by file type
 *   "device": "cpu",                    // "gpu", "gpu:1"
 *   "inputs":  [{"name": "input", "datatype": "FP32", "shape": [-1, 4]}],
 *   "outputs": [{"name": "output", "datatype": "FP32", "shape": [-1, 3]}],
 *   "labels": ["setosa", "versicolor", "virginica"],
 *   "max_batch_size": 32, "max_queue_delay_microseconds": 500, "preferred_batch_sizes": [8, 16],
 *   "max_queue_size": 128, "request_timeout_ms": 1000,
 *   "version_policy": {"latest": 2},    // or {"all": true}, {"specific": [1, 3]}
 *   "instances": 2, "intra_op_threads": 1, "inter_op_threads": 1
 * }
 * }</pre>
 */
public final class ModelConfigReader {

    static final String CONFIG_FILE = "config.json";
    static final String LABELS_FILE = "labels.txt";

    private static final Set<String> KEYS = Set.of("engine", "device", "inputs", "outputs", "labels",
            "max_batch_size", "max_queue_delay_microseconds", "preferred_batch_sizes", "max_queue_size",
            "request_timeout_ms", "version_policy", "instances", "intra_op_threads", "inter_op_threads");

    private final ObjectMapper mapper = new ObjectMapper();

    /** The config of a model directory: its {@code config.json} (if any) plus {@code labels.txt} (if any). */
    public ModelConfig read(Path modelDir) {
        Path configFile = modelDir.resolve(CONFIG_FILE);
        ModelConfig config = Files.isRegularFile(configFile) ? parse(configFile) : ModelConfig.DEFAULT;
        Path labelsFile = modelDir.resolve(LABELS_FILE);
        if (config.labels().isEmpty() && Files.isRegularFile(labelsFile)) {
            config = config.withLabels(readLabels(labelsFile));
        }
        return config;
    }

    ModelConfig parse(Path file) {
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw KubeServeException.invalidInput(file + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw KubeServeException.invalidInput("cannot read " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw KubeServeException.invalidInput(file + " must hold a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!KEYS.contains(key)) {
                throw KubeServeException.invalidInput(file + ": unknown key '" + key + "'; known keys are "
                        + KEYS.stream().sorted().toList());
            }
        }
        try {
            return new ModelConfig(
                    text(root, "engine"),
                    ModelConfig.Device.parse(text(root, "device")),
                    specs(root.get("inputs"), file),
                    specs(root.get("outputs"), file),
                    strings(root.get("labels")),
                    root.path("max_batch_size").asInt(0),
                    root.path("max_queue_delay_microseconds").asLong(0),
                    integers(root.get("preferred_batch_sizes")),
                    root.path("max_queue_size").asInt(0),
                    root.path("request_timeout_ms").asLong(0),
                    versionPolicy(root.get("version_policy")),
                    root.path("instances").asInt(0),
                    root.path("intra_op_threads").asInt(0),
                    root.path("inter_op_threads").asInt(0));
        } catch (KubeServeException e) {
            throw KubeServeException.invalidInput(file + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode root, String key) {
        JsonNode node = root.get(key);
        return node == null || node.isNull() ? null : node.asText();
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null) {
            node.forEach(element -> out.add(element.asText()));
        }
        return out;
    }

    private static VersionPolicy versionPolicy(JsonNode node) {
        if (node == null || node.isNull()) {
            return VersionPolicy.LATEST;
        }
        if (!node.isObject() || node.size() != 1) {
            throw KubeServeException.invalidInput("version_policy must be one of {\"latest\": N}, {\"all\": true},"
                    + " {\"specific\": [versions]}");
        }
        if (node.has("latest")) {
            return VersionPolicy.newest(node.get("latest").asInt());
        }
        if (node.has("all")) {
            return VersionPolicy.allVersions();
        }
        if (node.has("specific")) {
            java.util.Set<String> versions = new java.util.HashSet<>();
            node.get("specific").forEach(version -> versions.add(version.asText()));
            return VersionPolicy.only(versions);
        }
        throw KubeServeException.invalidInput("version_policy has an unknown rule " + node.fieldNames().next());
    }

    private static List<Integer> integers(JsonNode node) {
        List<Integer> out = new ArrayList<>();
        if (node != null) {
            node.forEach(element -> out.add(element.asInt()));
        }
        return out;
    }

    private static List<TensorSpec> specs(JsonNode node, Path file) {
        List<TensorSpec> specs = new ArrayList<>();
        if (node == null) {
            return specs;
        }
        for (JsonNode spec : node) {
            if (!spec.hasNonNull("name") || !spec.hasNonNull("datatype") || !spec.path("shape").isArray()) {
                throw KubeServeException.invalidInput("each of inputs/outputs needs name, datatype and shape");
            }
            long[] shape = new long[spec.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = spec.get("shape").get(i).asLong();
            }
            specs.add(new TensorSpec(spec.get("name").asText(), DataType.fromName(spec.get("datatype").asText()), shape));
        }
        return specs;
    }

    static List<String> readLabels(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw KubeServeException.invalidInput("cannot read " + file + ": " + e.getMessage());
        }
    }
}
