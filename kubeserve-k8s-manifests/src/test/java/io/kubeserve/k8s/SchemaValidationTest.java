package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every generated document is valid for Kubernetes 1.31 and the CRDs, checked offline and strictly. */
class SchemaValidationTest {

    private static KubeSchemas schemas;

    @BeforeAll
    static void loadSchemas() {
        schemas = KubeSchemas.load();
    }

    static java.util.stream.Stream<org.junit.jupiter.api.Named<ManifestOptions>> scenarios() {
        return java.util.stream.Stream.concat(Scenarios.all(), Scenarios.clusterRuntimes());
    }

    @Test
    void allElevenSchemasAreLoaded() {
        assertThat(schemas.types()).containsExactlyInAnyOrder(
                "v1/ConfigMap", "v1/Service", "apps/v1/Deployment", "autoscaling/v2/HorizontalPodAutoscaler",
                "policy/v1/PodDisruptionBudget", "networking.k8s.io/v1/NetworkPolicy",
                "serving.kserve.io/v1beta1/InferenceService", "serving.kserve.io/v1alpha1/ServingRuntime",
                "serving.kserve.io/v1alpha1/ClusterServingRuntime",
                "keda.sh/v1alpha1/ScaledObject",
                "monitoring.coreos.com/v1/ServiceMonitor");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyDocumentMatchesItsSchema(ManifestOptions options) {
        List<JsonNode> docs = Scenarios.parse(ManifestGenerator.toYaml(options));

        assertThat(docs).hasSize(ManifestGenerator.generate(options).size());
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            if (kind.equals("Ingress")) {
                assertIngressShape(doc, options);
            } else {
                assertThat(schemas.validate(doc)).as(kind).isEmpty();
            }
        }
    }

    @Test
    void onlyIngressLacksASchema() {
        ManifestOptions everything = Scenarios.iris().keda(true).ingressHost("iris.example.com").build();
        List<String> withoutSchema = Scenarios.parse(ManifestGenerator.toYaml(everything)).stream()
                .filter(doc -> schemas.schemaFor(doc).isEmpty())
                .map(doc -> doc.path("kind").asText())
                .toList();
        assertThat(withoutSchema).containsExactly("Ingress");
    }

    @Test
    void validatorRejectsAnUnknownField() {
        ObjectNode deployment = deployment();
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).put("imagePullPolicyy", "Always");

        assertThat(schemas.validate(deployment)).singleElement().asString()
                .contains("imagePullPolicyy").contains("containers[0]");
    }

    @Test
    void validatorRejectsAWrongType() {
        ObjectNode deployment = deployment();
        ((ObjectNode) deployment.path("spec")).put("replicas", "two");

        assertThat(schemas.validate(deployment)).anySatisfy(error ->
                assertThat(error).contains("spec.replicas").contains("string"));
    }

    @Test
    void validatorRejectsAnUnknownFieldInACustomResource() {
        JsonNode keda = Scenarios.parse(ManifestGenerator.toYaml(Scenarios.iris().keda(true).build())).stream()
                .filter(doc -> doc.path("kind").asText().equals("ScaledObject")).findFirst().orElseThrow();
        ((ObjectNode) keda.path("spec")).put("minReplicas", 1);

        assertThat(schemas.validate(keda)).singleElement().asString().contains("minReplicas");
    }

    @Test
    void validatorRejectsAWrongTypeAndAnUnknownFieldInTheInferenceService() {
        JsonNode isvc = Scenarios.parse(ManifestGenerator.toYaml(Scenarios.iris().kserve(true).build())).stream()
                .filter(doc -> doc.path("kind").asText().equals("InferenceService")).findFirst().orElseThrow();
        ((ObjectNode) isvc.at("/spec/predictor/model")).put("protocolVersion", 2);
        ((ObjectNode) isvc.at("/spec/predictor")).put("storageUri", "s3://x/y");

        assertThat(schemas.validate(isvc)).hasSize(2);
    }

    @Test
    void validatorRejectsAWrongTypeAndAnUnknownFieldInTheServingRuntime() {
        JsonNode runtime = Scenarios.parse(ManifestGenerator.toYaml(Scenarios.iris().kserve(true).build())).stream()
                .filter(doc -> doc.path("kind").asText().equals("ServingRuntime")).findFirst().orElseThrow();
        assertThat(schemas.validate(runtime)).isEmpty();
        ((ArrayNode) runtime.at("/spec/protocolVersions")).add(2);
        ((ObjectNode) runtime.at("/spec/containers/0/ports/0")).put("appProtocol", "kubernetes.io/h2c");

        assertThat(schemas.validate(runtime)).hasSize(2).anySatisfy(error -> assertThat(error).contains("appProtocol"));
    }

    @Test
    void validatorRejectsAnUnknownFieldAndAWrongTypeInTheClusterServingRuntime() {
        ManifestOptions o = Scenarios.clusterRuntimes().findFirst().orElseThrow().getPayload();
        JsonNode runtime = Scenarios.parse(ManifestGenerator.toYaml(o)).get(0);
        assertThat(schemas.validate(runtime)).isEmpty();
        ((ObjectNode) runtime.at("/spec/supportedModelFormats/1")).put("priority", 0);
        ((ObjectNode) runtime.at("/spec/supportedModelFormats/1")).put("autoselect", true);

        assertThat(schemas.validate(runtime)).hasSize(2).anySatisfy(error -> assertThat(error).contains("autoselect"))
                .anySatisfy(error -> assertThat(error).contains("priority"));
    }

    private static ObjectNode deployment() {
        return (ObjectNode) Scenarios.parse(ManifestGenerator.toYaml(Scenarios.iris().build())).stream()
                .filter(doc -> doc.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
    }

    /** No schema for Ingress here, so check what the API server would insist on, by hand. */
    private static void assertIngressShape(JsonNode doc, ManifestOptions options) {
        assertThat(doc.path("apiVersion").asText()).isEqualTo("networking.k8s.io/v1");
        assertThat(doc.at("/metadata/name").asText()).isEqualTo(options.name());
        assertThat(doc.at("/spec/ingressClassName").asText()).isEqualTo(options.ingressClassName());
        JsonNode rule = doc.at("/spec/rules/0");
        if (options.ingressHost() == null) {
            assertThat(rule.has("host")).isFalse();
        } else {
            assertThat(rule.path("host").asText()).isEqualTo(options.ingressHost());
        }
        JsonNode path = rule.at("/http/paths/0");
        assertThat(path.path("path").asText()).isEqualTo("/");
        assertThat(path.path("pathType").asText()).isIn("Prefix", "Exact", "ImplementationSpecific");
        assertThat(path.at("/backend/service/name").asText()).isEqualTo(options.name());
        assertThat(path.at("/backend/service/port/name").asText()).isEqualTo("http");
    }
}
