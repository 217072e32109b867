package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KServe runtimes as KServe reads them: what an InferenceService that gives only a model format and
 * a storageUri is matched against, and what the container then runs. Everything is read back from the
 * generated YAML, as the cluster would.
 */
class KServeRuntimeTest {

    /** What a user writes: a format and where the model is, no runtime, no protocol. */
    private static final String ONNX_ONLY_ISVC = """
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata:
              name: wine
              namespace: team-a
            spec:
              predictor:
                model:
                  modelFormat:
                    name: onnx
                  storageUri: s3://models-bucket/wine
            """;

    /**
     * A runtime as KServe bundles them (Triton's formats and protocols), to compete for the same format;
     * it is not KubeServe's.
     */
    private static final String BUNDLED_RUNTIME = """
            apiVersion: serving.kserve.io/v1alpha1
            kind: ClusterServingRuntime
            metadata:
              name: bundled-triton-like
            spec:
              supportedModelFormats:
                - name: onnx
                  version: "1"
                  autoSelect: true
                  priority: 1
              protocolVersions: [v2, grpc-v2]
              containers:
                - name: kserve-container
                  image: example/triton-like:1
            """;

    private static KubeSchemas schemas;

    @BeforeAll
    static void loadSchemas() {
        schemas = KubeSchemas.load();
    }

    @Test
    void clusterRuntimeIsClusterScopedAndAutoSelectsEveryFormatOfTheFullImage() {
        JsonNode runtime = clusterRuntime(ManifestOptions.builder("kubeserve", Scenarios.FULL_IMAGE)
                .clusterRuntime(true).build());

        assertThat(runtime.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1alpha1");
        assertThat(runtime.path("kind").asText()).isEqualTo("ClusterServingRuntime");
        assertThat(runtime.at("/metadata/name").asText()).isEqualTo("kubeserve");
        assertThat(runtime.path("metadata").has("namespace")).as("cluster-scoped").isFalse();
        assertThat(schemas.validate(runtime)).isEmpty();

        assertThat(autoSelected(runtime)).containsExactly("onnx:1@5", "sklearn:1@5");
        assertThat(runtime.at("/spec/supportedModelFormats/0/name").asText()).isEqualTo("kubeserve");
        assertThat(runtime.at("/spec/supportedModelFormats/0").has("autoSelect")).isFalse();
        assertThat(texts(runtime.at("/spec/protocolVersions"))).containsExactly("v1", "v2", "grpc-v2");

        JsonNode container = runtime.at("/spec/containers/0");
        assertThat(container.path("name").asText()).isEqualTo("kserve-container");
        assertThat(container.path("image").asText()).isEqualTo(Scenarios.FULL_IMAGE);
        assertThat(texts(container.path("args"))).containsExactly("--model-repository", "/mnt/models",
                "--model-name", "{{.Name}}", "--port", "8080", "--grpc-port", "8081");
        // one port: KServe's default mode runs it through Knative, which refuses a second (gRPC listens anyway)
        assertThat(container.path("ports")).hasSize(1);
        assertThat(container.at("/ports/0/name").asText()).isEqualTo("http1");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        // No ConfigMap can serve every namespace: the settings are inline, and the model's name is an argument.
        assertThat(container.has("envFrom")).isFalse();
        List<String> env = new ArrayList<>();
        container.path("env").forEach(e -> env.add(e.path("name").asText() + "=" + e.path("value").asText()));
        assertThat(env).contains("KUBESERVE_LOG_FORMAT=json", "KUBESERVE_MODEL_REPOSITORY=/mnt/models")
                .noneMatch(e -> e.startsWith("KUBESERVE_MODEL_NAME="));
        assertThat(container.at("/securityContext/runAsUser").asLong()).isEqualTo(10001L);
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
        assertThat(container.at("/resources/limits/memory").asText()).isEqualTo(ResourceSettings.DEFAULT.memoryLimit());
        assertThat(runtime.at("/spec/volumes/0/emptyDir/sizeLimit").asText()).isEqualTo("64Mi");
    }

    @Test
    void theOnnxOnlyImageAutoSelectsOnlyOnnxAndWithoutGrpcDeclaresOnePort() {
        JsonNode runtime = clusterRuntime(ManifestOptions.builder("kubeserve-onnx", Scenarios.IMAGE)
                .clusterRuntime(true).grpcPort(0).runtimePriority(3).build());

        assertThat(autoSelected(runtime)).containsExactly("onnx:1@3");
        assertThat(texts(runtime.at("/spec/protocolVersions"))).containsExactly("v1", "v2");
        assertThat(runtime.at("/spec/containers/0/ports")).singleElement()
                .satisfies(p -> assertThat(p.path("name").asText()).isEqualTo("http1"));
    }

    @Test
    void anInferenceServiceGivingOnlyTheOnnxFormatAndAStorageUriRunsOnKubeServe() {
        JsonNode isvc = Scenarios.parse(ONNX_ONLY_ISVC).get(0);
        assertThat(schemas.validate(isvc)).as("the user's InferenceService is valid").isEmpty();
        JsonNode kubeserve = clusterRuntime(ManifestOptions.builder("kubeserve", Scenarios.FULL_IMAGE)
                .clusterRuntime(true).build());
        JsonNode bundled = Scenarios.parse(BUNDLED_RUNTIME).get(0);
        assertThat(schemas.validate(bundled)).isEmpty();

        assertThat(selectRuntime(isvc, List.of(bundled, kubeserve))).map(r -> r.at("/metadata/name").asText())
                .contains("kubeserve");

        // KServe fills in the InferenceService's name and puts the model in /mnt/models.
        List<String> args = texts(kubeserve.at("/spec/containers/0/args")).stream()
                .map(a -> a.replace("{{.Name}}", isvc.at("/metadata/name").asText())).toList();
        assertThat(args).containsSequence("--model-repository", "/mnt/models").containsSequence("--model-name", "wine");
    }

    @Test
    void kserveChoosesNoKubeServeRuntimeForWhatItCannotServe() {
        JsonNode onnxImage = clusterRuntime(ManifestOptions.builder("kubeserve-onnx", Scenarios.IMAGE)
                .clusterRuntime(true).grpcPort(0).build());
        JsonNode full = clusterRuntime(ManifestOptions.builder("kubeserve", Scenarios.FULL_IMAGE)
                .clusterRuntime(true).build());

        assertThat(selectRuntime(isvc("pytorch", null, null), List.of(onnxImage))).isEmpty();
        // listed, but KServe's "pytorch" with no runtime named means TorchServe archives: not auto-selected
        assertThat(selectRuntime(isvc("pytorch", "2", null), List.of(full))).isEmpty();
        assertThat(full.at("/spec/supportedModelFormats").findValuesAsText("name")).contains("pytorch");
        for (JsonNode format : full.at("/spec/supportedModelFormats")) {
            if (format.path("name").asText().equals("pytorch")) {
                assertThat(format.has("autoSelect")).as("pytorch entry %s", format).isFalse();
            }
        }
        assertThat(selectRuntime(isvc("sklearn", "1", "v2"), List.of(full))).isPresent();
        assertThat(selectRuntime(isvc("onnx", "3", null), List.of(full))).as("no such format version").isEmpty();
        assertThat(selectRuntime(isvc("onnx", null, "grpc-v2"), List.of(onnxImage))).as("gRPC is off").isEmpty();
        assertThat(selectRuntime(isvc("tensorflow", null, null), List.of(full))).isEmpty();
    }

    @Test
    void theNamespacedRuntimeAutoSelectsTheFormatsWhenKServeFetchesTheModel() {
        ManifestOptions o = ManifestOptions.builder("iris", Scenarios.FULL_IMAGE).kserve(true)
                .model("s3://models-bucket/iris").build();
        JsonNode runtime = document(o, "ServingRuntime");
        assertThat(runtime.at("/metadata/namespace").asText()).isEqualTo("default");
        assertThat(autoSelected(runtime)).containsExactly("onnx:1@5", "sklearn:1@5");
        assertThat(texts(runtime.at("/spec/protocolVersions"))).containsExactly("v1", "v2", "grpc-v2");
        assertThat(texts(runtime.at("/spec/containers/0/args"))).containsSequence("--model-repository", "/mnt/models",
                "--model-name", "{{.Name}}");
        assertThat(selectRuntime(isvc("onnx", null, null), List.of(runtime))).isPresent();

        // Its own InferenceService still names it, with the kubeserve format it lists.
        JsonNode own = document(o, "InferenceService");
        assertThat(own.at("/spec/predictor/model/runtime").asText()).isEqualTo("iris");
        assertThat(own.at("/spec/predictor/model/modelFormat/name").asText()).isEqualTo("kubeserve");
        assertThat(runtime.at("/spec/supportedModelFormats/0/name").asText()).isEqualTo("kubeserve");
    }

    @Test
    void aRuntimeWhoseModelIsInTheImageAutoSelectsNothing() {
        JsonNode runtime = document(Scenarios.iris().kserve(true).build(), "ServingRuntime");
        assertThat(autoSelected(runtime)).isEmpty();
        assertThat(selectRuntime(isvc("onnx", null, null), List.of(runtime))).isEmpty();
        assertThat(texts(runtime.at("/spec/containers/0/args"))).containsSequence("--model-repository", "/models");
    }

    @Test
    void theImageTagSaysWhichFormatsItServes() {
        assertThat(KServeModelFormat.servedBy("kubeserve/server:0.1.0-onnx")).containsExactly(KServeModelFormat.ONNX);
        assertThat(KServeModelFormat.servedBy("registry.example.com:5000/kubeserve/server:onnx"))
                .containsExactly(KServeModelFormat.ONNX);
        assertThat(KServeModelFormat.servedBy("kubeserve/server:0.1.0-full")).hasSize(3);
        // the GPU image has no Python worker: no scikit-learn pickles
        assertThat(KServeModelFormat.servedBy("kubeserve/server:0.1.0-gpu"))
                .containsExactly(KServeModelFormat.ONNX, KServeModelFormat.PYTORCH);
        assertThat(KServeModelFormat.servedBy("kubeserve/server:gpu"))
                .containsExactly(KServeModelFormat.ONNX, KServeModelFormat.PYTORCH);
        assertThat(KServeModelFormat.servedBy("registry.example.com:5000/onnx")).as("no tag").hasSize(3);
        assertThat(KServeModelFormat.servedBy("kubeserve/server@sha256:0123abcd")).hasSize(3);
    }

    /**
     * KServe's choice for an InferenceService that names no runtime: among runtimes not disabled that
     * list its format with {@code autoSelect: true} (and its version, when it gives one) and its protocol
     * ({@code v1} when it names none), the highest priority. Namespaced runtimes come before cluster ones
     * in KServe; the tests compare runtimes of one scope.
     */
    private static Optional<JsonNode> selectRuntime(JsonNode isvc, List<JsonNode> runtimes) {
        JsonNode model = isvc.at("/spec/predictor/model");
        String format = model.at("/modelFormat/name").asText();
        JsonNode version = model.at("/modelFormat/version");
        String protocol = model.path("protocolVersion").asText("v1");
        record Candidate(JsonNode runtime, int priority) {
        }
        List<Candidate> candidates = new ArrayList<>();
        for (JsonNode runtime : runtimes) {
            if (runtime.at("/spec/disabled").asBoolean(false)
                    || !texts(runtime.at("/spec/protocolVersions")).contains(protocol)) {
                continue;
            }
            for (JsonNode f : runtime.at("/spec/supportedModelFormats")) {
                if (f.path("name").asText().equals(format) && f.path("autoSelect").asBoolean(false)
                        && (version.isMissingNode() || version.asText().equals(f.path("version").asText()))) {
                    candidates.add(new Candidate(runtime, f.path("priority").asInt(0)));
                }
            }
        }
        return candidates.stream().max(Comparator.comparingInt(Candidate::priority)).map(Candidate::runtime);
    }

    private static JsonNode isvc(String format, String version, String protocol) {
        String yaml = ONNX_ONLY_ISVC.replace("name: onnx", "name: " + format
                + (version == null ? "" : "\n        version: \"" + version + "\""))
                + (protocol == null ? "" : "      protocolVersion: " + protocol + "\n");
        JsonNode isvc = Scenarios.parse(yaml).get(0);
        assertThat(schemas.validate(isvc)).isEmpty();
        return isvc;
    }

    /** {@code name:version@priority} of each auto-selected format, in order. */
    private static List<String> autoSelected(JsonNode runtime) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : runtime.at("/spec/supportedModelFormats")) {
            if (f.path("autoSelect").asBoolean(false)) {
                out.add(f.path("name").asText() + ":" + f.path("version").asText() + "@" + f.path("priority").asInt());
            }
        }
        return out;
    }

    private static JsonNode clusterRuntime(ManifestOptions o) {
        List<JsonNode> docs = Scenarios.parse(ManifestGenerator.toYaml(o));
        assertThat(docs).hasSize(1);
        return docs.get(0);
    }

    private static JsonNode document(ManifestOptions o, String kind) {
        return Scenarios.parse(ManifestGenerator.toYaml(o)).stream()
                .filter(d -> d.path("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
