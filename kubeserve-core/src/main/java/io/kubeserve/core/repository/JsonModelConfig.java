package io.kubeserve.core.repository;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.repository.triton.TritonConfig;
import io.kubeserve.core.spi.ModelConfig;
import io.kubeserve.core.spi.VersionPolicy;
import io.kubeserve.core.tensor.DataType;
import io.kubeserve.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.kubeserve.core.repository.TritonTerms.problem;

/**
 * {@code config.json}, bound by Jackson databind into records, strictly: an unknown key, a value
 * of the wrong JSON type (no strings for numbers, no fractions for integers, no numbers for
 * strings), a duplicate key or an unknown enum constant fails with the file, the key's JSON path
 * and what was expected. Keys named after Triton's model configuration mean what they mean there;
 * the keys of earlier KubeServe releases are still read, each with a warning naming its
 * replacement. Thread-safe: the mapper is configured once and only read.
 */
final class JsonModelConfig {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfigDefaults(config -> config
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, config -> config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert))
            .withCoercionConfig(LogicalType.Float, config -> config
                    .setCoercion(CoercionInputShape.Float, CoercionAction.TryConvert))
            .withCoercionConfig(LogicalType.Textual, config -> config
                    .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert))
            .withCoercionConfig(LogicalType.Enum, config -> config
                    .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert))
            .build();

    /** A whole {@code config.json}; null components were not given. */
    record Root(
            String engine,
            String backend,
            String device,
            List<Input> input,
            List<Output> output,
            List<String> labels,
            @JsonProperty("max_batch_size") Integer maxBatchSize,
            @JsonProperty("dynamic_batching") DynamicBatching dynamicBatching,
            @JsonProperty("instance_group") List<InstanceGroup> instanceGroup,
            @JsonProperty("version_policy") JsonNode versionPolicy,
            @JsonProperty("max_queue_size") Integer maxQueueSize,
            @JsonProperty("request_timeout_ms") Long requestTimeoutMs,
            @JsonProperty("intra_op_threads") Integer intraOpThreads,
            @JsonProperty("inter_op_threads") Integer interOpThreads,
            Map<String, Parameter> parameters,
            // the keys of earlier releases
            List<OldTensor> inputs,
            List<OldTensor> outputs,
            @JsonProperty("max_queue_delay_microseconds") Long maxQueueDelayMicroseconds,
            @JsonProperty("preferred_batch_sizes") List<Integer> preferredBatchSizes,
            Integer instances) {
    }

    /** Triton's {@code ModelParameter}: a string value. */
    record Parameter(@JsonProperty("string_value") String stringValue) {
    }

    /** Triton's {@code ModelInput}: dims without the batch dimension when max_batch_size > 0. */
    record Input(String name, @JsonProperty("data_type") TritonConfig.DataType dataType, List<Long> dims) {
    }

    /** Triton's {@code ModelOutput}. */
    record Output(String name, @JsonProperty("data_type") TritonConfig.DataType dataType, List<Long> dims,
                  @JsonProperty("label_filename") String labelFilename) {
    }

    /** An input or output as earlier releases wrote it: V2 data type and the full shape. */
    record OldTensor(String name, String datatype, List<Long> shape) {
    }

    /** Triton's {@code ModelDynamicBatching}, the part KubeServe serves. */
    record DynamicBatching(@JsonProperty("preferred_batch_size") List<Integer> preferredBatchSize,
                           @JsonProperty("max_queue_delay_microseconds") Long maxQueueDelayMicroseconds,
                           @JsonProperty("default_queue_policy") QueuePolicy defaultQueuePolicy) {
    }

    /** Triton's {@code ModelQueuePolicy}, the part KubeServe serves. */
    record QueuePolicy(@JsonProperty("max_queue_size") Integer maxQueueSize) {
    }

    /** Triton's {@code ModelInstanceGroup}, the part KubeServe serves. */
    record InstanceGroup(Integer count, TritonConfig.ModelInstanceGroup.Kind kind, List<Integer> gpus) {
    }

    private JsonModelConfig() {
    }

    /**
     * Reads and checks {@code file}.
     *
     * @param file     the {@code config.json} to read
     * @param display  the file as messages name it (relative to the repository)
     * @param modelDir the model's directory, against which {@code label_filename} is resolved
     * @param warnings receives one line per old key used
     * @throws KubeServeException {@code INVALID_INPUT} naming {@code display}, the key and what was expected
     */
    static ModelConfig read(Path file, String display, Path modelDir, List<String> warnings) {
        Root root;
        try (InputStream in = Files.newInputStream(file); JsonParser parser = MAPPER.createParser(in)) {
            try {
                root = MAPPER.readValue(parser, Root.class);
            } catch (JsonProcessingException e) {
                // described while the parser still stands on the offending value
                throw KubeServeException.invalidInput(display + ": " + describe(e));
            }
        } catch (IOException e) {
            throw KubeServeException.invalidInput("cannot read " + display + ": " + e.getMessage());
        }
        if (root == null) {
            throw KubeServeException.invalidInput(display + ": expected a JSON object, got null");
        }
        return new Binder(root, display, modelDir, warnings).config();
    }

    /** Turns the bound records into a {@link ModelConfig}, checking ranges and old/new key pairs. */
    private static final class Binder {
        private final Root root;
        private final String file;
        private final Path modelDir;
        private final List<String> warnings;

        Binder(Root root, String file, Path modelDir, List<String> warnings) {
            this.root = root;
            this.file = file;
            this.modelDir = modelDir;
            this.warnings = warnings;
        }

        ModelConfig config() {
            int maxBatchSize = nonNegativeInt("max_batch_size", root.maxBatchSize());
            DynamicBatching batching = root.dynamicBatching();

            List<Integer> preferred = batching == null ? null : batching.preferredBatchSize();
            if (root.preferredBatchSizes() != null) {
                preferred = old("preferred_batch_sizes", "dynamic_batching.preferred_batch_size", preferred,
                        root.preferredBatchSizes());
            }
            String preferredKey = root.preferredBatchSizes() != null ? "preferred_batch_sizes"
                    : "dynamic_batching.preferred_batch_size";
            List<Integer> preferredSizes = preferred == null ? List.of() : preferred;
            for (int i = 0; i < preferredSizes.size(); i++) {
                Integer size = preferredSizes.get(i);
                if (size == null || size < 1 || (maxBatchSize > 0 && size > maxBatchSize)) {
                    throw problem(file, preferredKey + "[" + i + "]", "expected a batch size from 1 to max_batch_size ("
                            + maxBatchSize + "), got " + size);
                }
            }

            Long delay = batching == null ? null : batching.maxQueueDelayMicroseconds();
            if (root.maxQueueDelayMicroseconds() != null) {
                delay = old("max_queue_delay_microseconds", "dynamic_batching.max_queue_delay_microseconds", delay,
                        root.maxQueueDelayMicroseconds());
            }
            long delayMicros = nonNegative(root.maxQueueDelayMicroseconds() != null ? "max_queue_delay_microseconds"
                    : "dynamic_batching.max_queue_delay_microseconds", delay);

            Integer queue = root.maxQueueSize();
            if (batching != null && batching.defaultQueuePolicy() != null
                    && batching.defaultQueuePolicy().maxQueueSize() != null) {
                if (queue != null) {
                    throw problem(file, "dynamic_batching.default_queue_policy.max_queue_size",
                            "'max_queue_size' says the same; give one of them");
                }
                queue = nonNegativeInt("dynamic_batching.default_queue_policy.max_queue_size",
                        batching.defaultQueuePolicy().maxQueueSize());
            }

            ModelConfig.Device device = root.device() == null ? null : device(root.device());
            int instances = 0;
            if (root.instanceGroup() != null) {
                if (root.instances() != null) {
                    throw problem(file, "instances", "'instance_group' says the same; give only 'instance_group'"
                            + " (the old 'instances' is its count)");
                }
                if (root.instanceGroup().size() > 1) {
                    throw problem(file, "instance_group", "KubeServe runs one instance group per model; got "
                            + root.instanceGroup().size());
                }
                if (root.instanceGroup().size() == 1) {
                    InstanceGroup group = element(root.instanceGroup(), 0, "instance_group");
                    if (group.count() != null && group.count() < 1) {
                        throw problem(file, "instance_group[0].count", "expected a count >= 1, got " + group.count()
                                + " (leave out instance_group for one instance per core)");
                    }
                    instances = group.count() == null ? 1 : group.count();
                    device = TritonTerms.device(group.kind(), group.gpus() == null ? List.of() : group.gpus(), device,
                            file, "instance_group[0]");
                }
            } else if (root.instances() != null) {
                warnings.add(file + ": 'instances' is an old key; " + (root.instances() == 0
                        ? "0 (one instance per core) is the default: leave it out instead"
                        : "write \"instance_group\": [{\"count\": " + root.instances() + "}] instead"));
                instances = nonNegativeInt("instances", root.instances());
            }

            return new ModelConfig(
                    engine(),
                    device,
                    tensors("input", "inputs", root.input(), root.inputs(), maxBatchSize),
                    tensors("output", "outputs", outputsAsInputs(), root.outputs(), maxBatchSize),
                    labels(),
                    maxBatchSize,
                    delayMicros,
                    preferredSizes,
                    queue == null ? 0 : nonNegativeInt("max_queue_size", queue),
                    nonNegative("request_timeout_ms", root.requestTimeoutMs()),
                    versionPolicy(root.versionPolicy()),
                    instances,
                    nonNegativeInt("intra_op_threads", root.intraOpThreads()),
                    nonNegativeInt("inter_op_threads", root.interOpThreads()),
                    parameters());
        }

        /** {@code engine}, or Triton's {@code backend} naming the same thing; both only when they agree. */
        private String engine() {
            if (root.backend() == null) {
                return root.engine();
            }
            String fromBackend = TritonTerms.engine("", root.backend(), file);
            if (root.engine() != null && !root.engine().equalsIgnoreCase(fromBackend)) {
                throw problem(file, "backend", "\"" + root.backend() + "\" contradicts engine \"" + root.engine()
                        + "\"; give one of them");
            }
            return fromBackend;
        }

        private Map<String, String> parameters() {
            if (root.parameters() == null) {
                return Map.of();
            }
            Map<String, String> values = new java.util.LinkedHashMap<>();
            root.parameters().forEach((key, parameter) -> {
                if (parameter == null || parameter.stringValue() == null) {
                    throw problem(file, "parameters." + key, "expected {\"string_value\": \"...\"}");
                }
                values.put(key, parameter.stringValue());
            });
            return values;
        }

        private ModelConfig.Device device(String text) {
            try {
                return ModelConfig.Device.parse(text);
            } catch (KubeServeException e) {
                throw problem(file, "device", e.getMessage());
            }
        }

        private List<Input> outputsAsInputs() {
            return root.output() == null ? null
                    : root.output().stream().map(o -> o == null ? null : new Input(o.name(), o.dataType(), o.dims())).toList();
        }

        private List<String> labels() {
            List<String> labels = root.labels() == null ? List.of() : root.labels();
            for (int i = 0; i < labels.size(); i++) {
                if (labels.get(i) == null) {
                    throw problem(file, "labels[" + i + "]", "expected a string, got null");
                }
            }
            List<Output> outputs = root.output() == null ? List.of() : root.output();
            for (int i = 0; i < outputs.size(); i++) {
                Output output = outputs.get(i);
                if (output != null && output.labelFilename() != null) {
                    if (!labels.isEmpty()) {
                        throw problem(file, "output[" + i + "].label_filename", "the class names are given twice;"
                                + " give 'labels' or one label_filename");
                    }
                    labels = LabelFiles.read(modelDir, output.labelFilename(), file, "output[" + i + "].label_filename");
                }
            }
            return labels;
        }

        private List<TensorSpec> tensors(String key, String oldKey, List<Input> tensors, List<OldTensor> oldTensors,
                                         int maxBatchSize) {
            if (oldTensors != null) {
                if (tensors != null) {
                    throw problem(file, oldKey, "'" + key + "' says the same; give only '" + key + "'");
                }
                warnings.add(file + ": '" + oldKey + "' is an old key; write '" + key
                        + "' with Triton's \"data_type\" (TYPE_FP32, ...) and \"dims\" instead");
                List<TensorSpec> specs = new ArrayList<>();
                for (int i = 0; i < oldTensors.size(); i++) {
                    String at = oldKey + "[" + i + "]";
                    OldTensor tensor = element(oldTensors, i, oldKey);
                    requireGiven(at + ".name", tensor.name());
                    requireGiven(at + ".datatype", tensor.datatype());
                    requireGiven(at + ".shape", tensor.shape());
                    DataType type;
                    try {
                        type = DataType.fromName(tensor.datatype());
                    } catch (KubeServeException e) {
                        throw problem(file, at + ".datatype", e.getMessage());
                    }
                    long[] shape = new long[tensor.shape().size()];
                    for (int d = 0; d < shape.length; d++) {
                        Long dim = tensor.shape().get(d);
                        if (dim == null || dim < -1) {
                            throw problem(file, at + ".shape[" + d + "]", "expected a size >= 0 or -1, got " + dim);
                        }
                        shape[d] = dim;
                    }
                    specs.add(new TensorSpec(tensor.name(), type, shape));
                }
                return specs;
            }
            List<TensorSpec> specs = new ArrayList<>();
            List<Input> given = tensors == null ? List.of() : tensors;
            for (int i = 0; i < given.size(); i++) {
                String at = key + "[" + i + "]";
                Input tensor = element(given, i, key);
                requireGiven(at + ".name", tensor.name());
                requireGiven(at + ".data_type", tensor.dataType());
                requireGiven(at + ".dims", tensor.dims());
                for (int d = 0; d < tensor.dims().size(); d++) {
                    requireGiven(at + ".dims[" + d + "]", tensor.dims().get(d));
                }
                specs.add(new TensorSpec(tensor.name(), TritonTerms.dataType(tensor.dataType(), file, at + ".data_type"),
                        TritonTerms.shape(tensor.dims(), maxBatchSize, file, at + ".dims")));
            }
            return specs;
        }

        /**
         * Triton's {@code {"latest": {"num_versions": N}}}, {@code {"all": {}}} and
         * {@code {"specific": {"versions": [..]}}}; also the old {@code {"latest": N}},
         * {@code {"all": true}} and {@code {"specific": [..]}}, with a warning.
         */
        private VersionPolicy versionPolicy(JsonNode node) {
            String expected = "expected one of {\"latest\": {\"num_versions\": N}}, {\"all\": {}},"
                    + " {\"specific\": {\"versions\": [..]}}";
            if (node == null || node.isNull()) {
                return VersionPolicy.LATEST;
            }
            if (!node.isObject() || node.size() != 1) {
                throw problem(file, "version_policy", expected + ", got " + node);
            }
            String rule = node.fieldNames().next();
            JsonNode value = node.get(rule);
            String key = "version_policy." + rule;
            switch (rule) {
                case "latest" -> {
                    if (value.isIntegralNumber()) {
                        warnings.add(file + ": 'version_policy' {\"latest\": N} is the old form; write"
                                + " {\"latest\": {\"num_versions\": N}} instead");
                        return VersionPolicy.newest(atLeastOne(key, value));
                    }
                    onlyKey(key, value, "num_versions");
                    return VersionPolicy.newest(atLeastOne(key + ".num_versions", value.get("num_versions")));
                }
                case "all" -> {
                    if (value.isBoolean() && value.booleanValue()) {
                        warnings.add(file + ": 'version_policy' {\"all\": true} is the old form; write {\"all\": {}} instead");
                        return VersionPolicy.allVersions();
                    }
                    if (!value.isObject() || value.size() != 0) {
                        throw problem(file, key, "expected {}, got " + value);
                    }
                    return VersionPolicy.allVersions();
                }
                case "specific" -> {
                    JsonNode versions;
                    String at;
                    if (value.isArray()) {
                        warnings.add(file + ": 'version_policy' {\"specific\": [..]} is the old form; write"
                                + " {\"specific\": {\"versions\": [..]}} instead");
                        versions = value;
                        at = key;
                    } else {
                        onlyKey(key, value, "versions");
                        versions = value.get("versions");
                        at = key + ".versions";
                        if (!versions.isArray()) {
                            throw problem(file, at, "expected an array of version numbers, got " + versions);
                        }
                    }
                    Set<String> chosen = new LinkedHashSet<>();
                    for (int i = 0; i < versions.size(); i++) {
                        chosen.add(String.valueOf(atLeastOne(at + "[" + i + "]", versions.get(i))));
                    }
                    if (chosen.isEmpty()) {
                        throw problem(file, at, "expected at least one version");
                    }
                    return VersionPolicy.only(chosen);
                }
                default -> throw problem(file, "version_policy", expected + "; unknown rule \"" + rule + "\"");
            }
        }

        private void onlyKey(String key, JsonNode value, String name) {
            if (!value.isObject()) {
                throw problem(file, key, "expected {\"" + name + "\": ...}, got " + value);
            }
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String found = names.next();
                if (!found.equals(name)) {
                    throw KubeServeException.invalidInput(file + ": unknown key '" + key + "." + found
                            + "'; known keys here: [" + name + "]");
                }
            }
            if (!value.has(name)) {
                throw problem(file, key + "." + name, "missing");
            }
        }

        private int atLeastOne(String key, JsonNode value) {
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
                throw problem(file, key, "expected an integer >= 1, got " + value);
            }
            return value.intValue();
        }

        private <T> T old(String oldKey, String newKey, T newValue, T oldValue) {
            if (newValue != null) {
                throw problem(file, oldKey, "'" + newKey + "' says the same; give only '" + newKey + "'");
            }
            warnings.add(file + ": '" + oldKey + "' is an old key; write '" + newKey + "' instead");
            return oldValue;
        }

        private <T> T element(List<T> list, int index, String key) {
            T value = list.get(index);
            if (value == null) {
                throw problem(file, key + "[" + index + "]", "expected an object, got null");
            }
            return value;
        }

        private void requireGiven(String key, Object value) {
            if (value == null) {
                throw problem(file, key, "missing");
            }
        }

        private int nonNegativeInt(String key, Integer value) {
            if (value != null && value < 0) {
                throw problem(file, key, "expected an integer >= 0, got " + value);
            }
            return value == null ? 0 : value;
        }

        private long nonNegative(String key, Long value) {
            if (value != null && value < 0) {
                throw problem(file, key, "expected an integer >= 0, got " + value);
            }
            return value == null ? 0 : value;
        }
    }

    /** What went wrong, at which JSON path, in words a config author reads. */
    static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            Collection<Object> known = unknown.getKnownPropertyIds();
            Set<String> names = new TreeSet<>();
            if (known != null) {
                known.forEach(id -> names.add(String.valueOf(id)));
            }
            if (unknown.getPath().size() == 1) {
                names.removeAll(OLD_KEYS); // still read, no longer to be written
            }
            return "unknown key '" + path(unknown) + "'; known keys here: " + names;
        }
        if (e instanceof InvalidFormatException format && format.getTargetType() != null
                && format.getTargetType().isEnum()) {
            return "'" + path(format) + "': expected one of " + constants(format.getTargetType()) + ", got "
                    + quoted(format.getValue());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
                && mismatch.getPath().isEmpty()) {
            return "expected a JSON object, got " + found(mismatch);
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "'" + path(mismatch) + "': expected " + expected(mismatch.getTargetType()) + ", got "
                    + found(mismatch);
        }
        if (e instanceof InputCoercionException coercion) {
            return "a number out of range at line " + coercion.getLocation().getLineNr() + " column "
                    + coercion.getLocation().getColumnNr() + " (" + coercion.getOriginalMessage() + ")";
        }
        if (e instanceof JsonMappingException mapping && mapping.getCause() instanceof InputCoercionException coercion) {
            return "'" + path(mapping) + "': expected a smaller number (" + coercion.getOriginalMessage() + ")";
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return "'" + path(mapping) + "': " + mapping.getOriginalMessage();
        }
        if (e.getLocation() != null) {
            return "not valid JSON at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr()
                    + ": " + withoutSource(e.getOriginalMessage());
        }
        return e.getOriginalMessage();
    }

    /** Top-level keys of earlier releases, left out of the keys an unknown key's message suggests. */
    private static final Set<String> OLD_KEYS = Set.of("inputs", "outputs", "instances", "preferred_batch_sizes",
            "max_queue_delay_microseconds");

    /** Jackson's message without its "(start marker at [Source: ...])" tail. */
    private static String withoutSource(String message) {
        int source = message.indexOf(" (start marker at [Source");
        return source < 0 ? message : message.substring(0, source);
    }

    /** The key's JSON path, such as {@code dynamic_batching.preferred_batch_size[1]}. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "$" : path.toString();
    }

    private static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + constants(type);
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (type == JsonNode.class) {
            return "a JSON value";
        }
        return "an object";
    }

    private static List<String> constants(Class<?> type) {
        Object[] constants = type.getEnumConstants();
        List<String> names = new ArrayList<>();
        for (Object constant : constants) {
            String name = ((Enum<?>) constant).name();
            if (type == TritonConfig.DataType.class) {
                if (TritonTerms.DATA_TYPES.contains(name)) {
                    names.add(name);
                }
            } else if (!name.equals("UNRECOGNIZED")) {
                names.add(name);
            }
        }
        return names;
    }

    private static String found(MismatchedInputException e) {
        if (e instanceof InvalidFormatException format) {
            return quoted(format.getValue());
        }
        if (e.getProcessor() instanceof JsonParser parser) {
            JsonToken token = parser.currentToken();
            try {
                if (token == null) {
                    return "the end of the file";
                }
                return switch (token) {
                    case VALUE_STRING -> "the string " + quoted(parser.getText());
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + parser.getText();
                    case VALUE_TRUE, VALUE_FALSE -> parser.getText();
                    case VALUE_NULL -> "null";
                    case START_ARRAY -> "an array";
                    case START_OBJECT, FIELD_NAME -> "an object";
                    default -> parser.getText();
                };
            } catch (IOException ignored) {
                return String.valueOf(token);
            }
        }
        return "something else";
    }

    private static String quoted(Object value) {
        return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
    }
}
