package io.kubeserve.core.repository;

import com.google.protobuf.TextFormat;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.triton.TritonConfig;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.VersionPolicy;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kubeserve.core.repository.TritonTerms.problem;

/**
 * Triton's {@code config.pbtxt} (protobuf text format), parsed by protobuf-java's
 * {@link TextFormat} into the messages generated from {@code kubeserve/config/model_config.proto},
 * the subset of Triton's {@code ModelConfig} KubeServe serves. Fields of Triton's that the subset
 * leaves out (such as {@code optimization} or {@code model_warmup}) are skipped with one warning
 * naming them; a syntax error, an unknown enum constant or a value KubeServe cannot serve fails
 * with the file, the line and column or the key. Thread-safe: parsers are immutable and the
 * cache of leniently parsed files is synchronized.
 *
 * <p>Triton's rules apply: with {@code max_batch_size > 0} the {@code dims} leave out the batch
 * dimension (served as a leading {@code -1}), and requests are batched together only when a
 * {@code dynamic_batching} block is present. An {@code instance_group} without {@code count}
 * runs one instance.
 */
final class PbtxtModelConfig {

    private static final TextFormat.Parser STRICT = TextFormat.Parser.newBuilder().build();
    private static final TextFormat.Parser LENIENT = TextFormat.Parser.newBuilder().setAllowUnknownFields(true).build();

    private PbtxtModelConfig() {
    }

    /**
     * Reads and checks {@code file}.
     *
     * @param file      the {@code config.pbtxt} to read
     * @param display   the file as messages name it (relative to the repository)
     * @param modelName the model's (directory's) name, which a {@code name} in the file must equal
     * @param modelDir  the model's directory, against which {@code label_filename} is resolved
     * @param warnings  receives a line naming the fields skipped, if any
     * @throws KubeServeException {@code INVALID_INPUT} naming {@code display} and the problem
     */
    static ModelConfig read(Path file, String display, String modelName, Path modelDir, List<String> warnings) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw KubeServeException.invalidInput(display + ": not UTF-8 text");
        } catch (IOException e) {
            throw KubeServeException.invalidInput("cannot read " + display + ": " + e.getClass().getSimpleName());
        }
        return convert(parse(text, display, warnings), display, modelName, modelDir);
    }

    /**
     * The message in {@code text}; unknown fields are skipped and named in {@code warnings}.
     * Files with unknown fields are remembered by content: protobuf-java logs each lenient parse
     * through java.util.logging, and a repository polled every few seconds would repeat that line.
     */
    static TritonConfig.ModelConfig parse(String text, String display, List<String> warnings) {
        try {
            return merge(STRICT, text);
        } catch (TextFormat.ParseException strict) {
            Lenient known;
            synchronized (LENIENT_PARSES) {
                known = LENIENT_PARSES.get(text);
            }
            if (known == null) {
                // a strict parse lists every unknown field; if that was all, the lenient parse succeeds
                try {
                    known = new Lenient(merge(LENIENT, text), unknownFields(strict.getMessage()));
                } catch (TextFormat.ParseException e) {
                    throw KubeServeException.invalidInput(display + ": line " + e.getLine() + " column "
                            + e.getColumn() + ": " + afterPosition(e.getMessage()));
                }
                synchronized (LENIENT_PARSES) {
                    LENIENT_PARSES.put(text, known);
                }
            }
            warnings.add(display + ": ignoring what KubeServe does not serve: " + known.skipped());
            return known.config();
        }
    }

    /** A file parsed leniently and what was skipped in it. */
    private record Lenient(TritonConfig.ModelConfig config, String skipped) {
    }

    /** The last files parsed leniently, by content; guarded by itself. */
    private static final Map<String, Lenient> LENIENT_PARSES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Lenient> eldest) {
            return size() > 256;
        }
    };

    /**
     * Parses {@code text} with {@code parser}. protobuf-java skips an unknown field but not the
     * optional {@code ','} or {@code ';'} after it, and then wants a field name there; such a
     * separator carries no meaning, so it is blanked and the parse repeated.
     */
    private static TritonConfig.ModelConfig merge(TextFormat.Parser parser, String text) throws TextFormat.ParseException {
        String current = text;
        for (int attempt = 0; ; attempt++) {
            TritonConfig.ModelConfig.Builder builder = TritonConfig.ModelConfig.newBuilder();
            try {
                parser.merge(current, builder);
                return builder.build();
            } catch (TextFormat.ParseException e) {
                String blanked = attempt < MAX_SEPARATORS ? withoutSeparator(current, e) : null;
                if (blanked == null) {
                    throw e;
                }
                current = blanked;
            }
        }
    }

    /** The most separators after skipped fields one file may hold. */
    private static final int MAX_SEPARATORS = 10_000;

    /**
     * {@code text} with the separator a parse failed on blanked, or null when the failure was not
     * a {@code ','} or {@code ';'} where a field name belongs.
     */
    private static String withoutSeparator(String text, TextFormat.ParseException e) {
        String message = e.getMessage();
        if (!message.endsWith("Expected identifier. Found ','") && !message.endsWith("Expected identifier. Found ';'")) {
            return null;
        }
        int offset = 0;
        for (int line = 1; line < e.getLine(); line++) {
            offset = text.indexOf('\n', offset) + 1;
            if (offset == 0) {
                return null;
            }
        }
        int at = offset + e.getColumn() - 1;
        if (at < 0 || at >= text.length() || (text.charAt(at) != ',' && text.charAt(at) != ';')) {
            return null;
        }
        return text.substring(0, at) + ' ' + text.substring(at + 1);
    }

    /** {@code optimization (line 4), input.format (line 5)} from protobuf's list of unknown fields. */
    private static String unknownFields(String message) {
        List<String> fields = new ArrayList<>();
        for (String line : message.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab < 0) {
                continue;
            }
            String field = line.substring(tab + 1).trim().replace("kubeserve.config.", "");
            // ModelConfig.optimization -> optimization; ModelInput.format -> ModelInput.format
            field = field.startsWith("ModelConfig.") ? field.substring("ModelConfig.".length()) : field;
            String position = line.substring(0, tab);
            int colon = position.indexOf(':');
            fields.add(field + " (line " + (colon > 0 ? position.substring(0, colon) : position) + ")");
        }
        return fields.isEmpty() ? afterPosition(message) : String.join(", ", fields);
    }

    private static String afterPosition(String message) {
        // "4:1: Couldn't parse ..." -> "Couldn't parse ..."
        return message.replaceFirst("^\\d+:\\d+: ", "");
    }

    /** Triton's terms in KubeServe's. */
    static ModelConfig convert(TritonConfig.ModelConfig config, String file, String modelName, Path modelDir) {
        if (!config.getName().isEmpty() && !config.getName().equals(modelName)) {
            throw problem(file, "name", "\"" + config.getName() + "\" is not the model's directory name \"" + modelName
                    + "\"; leave it out or make them equal");
        }
        String engine = TritonTerms.engine(config.getPlatform(), config.getBackend(), file);
        int maxBatchSize = config.getMaxBatchSize();
        if (maxBatchSize < 0) {
            throw problem(file, "max_batch_size", "expected an integer >= 0, got " + maxBatchSize);
        }
        List<TensorSpec> inputs = new ArrayList<>();
        for (int i = 0; i < config.getInputCount(); i++) {
            TritonConfig.ModelInput input = config.getInput(i);
            inputs.add(tensor(input.getName(), input.getDataType(), input.getDimsList(), maxBatchSize, file,
                    "input[" + i + "]"));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        List<String> labels = List.of();
        for (int i = 0; i < config.getOutputCount(); i++) {
            TritonConfig.ModelOutput output = config.getOutput(i);
            outputs.add(tensor(output.getName(), output.getDataType(), output.getDimsList(), maxBatchSize, file,
                    "output[" + i + "]"));
            if (!output.getLabelFilename().isEmpty()) {
                if (!labels.isEmpty()) {
                    throw problem(file, "output[" + i + "].label_filename", "a second label file; KubeServe keeps"
                            + " one list of class names per model");
                }
                labels = LabelFiles.read(modelDir, output.getLabelFilename(), file, "output[" + i + "].label_filename");
            }
        }

        boolean batching = config.hasDynamicBatching();
        TritonConfig.ModelDynamicBatching dynamic = config.getDynamicBatching();
        List<Integer> preferred = dynamic.getPreferredBatchSizeList();
        for (int i = 0; i < preferred.size(); i++) {
            int size = preferred.get(i);
            if (size < 1 || (maxBatchSize > 0 && size > maxBatchSize)) {
                throw problem(file, "dynamic_batching.preferred_batch_size[" + i + "]",
                        "expected a batch size from 1 to max_batch_size (" + maxBatchSize + "), got " + size);
            }
        }
        long delay = dynamic.getMaxQueueDelayMicroseconds();
        if (delay < 0) {
            // uint64 beyond Long.MAX_VALUE
            throw problem(file, "dynamic_batching.max_queue_delay_microseconds", "out of range");
        }
        int queue = dynamic.getDefaultQueuePolicy().getMaxQueueSize();
        if (queue < 0) {
            throw problem(file, "dynamic_batching.default_queue_policy.max_queue_size", "out of range");
        }

        ModelConfig.Device device = ModelConfig.Device.CPU;
        int instances = 0;
        if (config.getInstanceGroupCount() > 1) {
            throw problem(file, "instance_group", "KubeServe runs one instance group per model; got "
                    + config.getInstanceGroupCount());
        }
        if (config.getInstanceGroupCount() == 1) {
            TritonConfig.ModelInstanceGroup group = config.getInstanceGroup(0);
            if (group.getCount() < 0) {
                throw problem(file, "instance_group[0].count", "expected a count >= 1, got " + group.getCount());
            }
            instances = group.getCount() == 0 ? 1 : group.getCount();
            device = TritonTerms.device(group.getKind(), group.getGpusList(), null, file, "instance_group[0]");
        }

        return new ModelConfig(engine, device, inputs, outputs, labels, batching ? maxBatchSize : 0,
                batching ? delay : 0, batching ? preferred : List.of(), queue, 0,
                versionPolicy(config, file), instances, 0, 0);
    }

    private static TensorSpec tensor(String name, TritonConfig.DataType type, List<Long> dims, int maxBatchSize,
                                     String file, String key) {
        if (name.isEmpty()) {
            throw problem(file, key + ".name", "missing");
        }
        return new TensorSpec(name, TritonTerms.dataType(type, file, key + ".data_type"),
                TritonTerms.shape(dims, maxBatchSize, file, key + ".dims"));
    }

    private static VersionPolicy versionPolicy(TritonConfig.ModelConfig config, String file) {
        if (!config.hasVersionPolicy()) {
            return VersionPolicy.LATEST;
        }
        TritonConfig.ModelVersionPolicy policy = config.getVersionPolicy();
        switch (policy.getPolicyChoiceCase()) {
            case LATEST -> {
                int count = policy.getLatest().getNumVersions();
                if (count < 1) {
                    throw problem(file, "version_policy.latest.num_versions", "expected an integer >= 1, got "
                            + Integer.toUnsignedString(count));
                }
                return VersionPolicy.newest(count);
            }
            case ALL -> {
                return VersionPolicy.allVersions();
            }
            case SPECIFIC -> {
                Set<String> versions = new LinkedHashSet<>();
                List<Long> given = policy.getSpecific().getVersionsList();
                for (int i = 0; i < given.size(); i++) {
                    if (given.get(i) < 1) {
                        throw problem(file, "version_policy.specific.versions[" + i + "]",
                                "expected a version >= 1, got " + given.get(i));
                    }
                    versions.add(String.valueOf(given.get(i)));
                }
                if (versions.isEmpty()) {
                    throw problem(file, "version_policy.specific.versions", "expected at least one version");
                }
                return VersionPolicy.only(versions);
            }
            default -> {
                return VersionPolicy.LATEST;
            }
        }
    }
}
