package io.kubeserve.http.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubeserve.core.registry.ModelRegistry;
import io.kubeserve.core.repository.FileSystemModelRepository;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi30;
import io.undertow.Undertow;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written OpenAPI document at {@code /openapi.json} against the router and against itself.
 *
 * <p>Each check is a function from a document to the list of problems it finds, so the same check
 * runs on the real document (no problems) and on a doctored copy (the planted problem is found):
 * a check that cannot fail proves nothing.
 */
class OpenApiDocumentTest {

    private static final String RESOURCE = "/io/kubeserve/http/openapi.json";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");
    private static final List<String> V2_INFER_PATHS = List.of("/v2/models/{model}/infer",
            "/v2/models/{model}/versions/{version}/infer");
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}]+)}");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A validator per document (the real one and each doctored copy), by identity. */
    private static final Map<JsonNode, JsonSchemaFactory> FACTORIES =
            Collections.synchronizedMap(new IdentityHashMap<>());
    private static final String DOCUMENT_IRI = "https://kubeserve.invalid/openapi.json";
    private static final SchemaValidatorsConfig SCHEMA_CONFIG = SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_POINTER).nullableKeywordEnabled(true).build();

    @TempDir
    Path repository;

    private ModelRegistry registry;
    private KubeServeHandler handler;
    private JsonNode doc;

    @BeforeEach
    void setUp() throws IOException {
        registry = new ModelRegistry(FileSystemModelRepository.open(repository), ModelRegistry.defaultLoaders());
        handler = KubeServeHandler.builder(registry).workers(Runnable::run).build();
        doc = load();
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    // ---- the real document ------------------------------------------------------------------

    @Test
    void isOpenApi303WithInfoAndTheDeclaredTags() {
        assertThat(doc.path("openapi").asText()).isEqualTo("3.0.3");
        assertThat(doc.path("info").path("title").asText()).isEqualTo("KubeServe");
        assertThat(doc.path("info").path("version").asText()).isNotBlank();
        assertThat(doc.path("info").path("description").asText()).isNotBlank();
        List<String> tags = new ArrayList<>();
        doc.path("tags").forEach(tag -> tags.add(tag.path("name").asText()));
        assertThat(tags).containsExactly("Seed", "KServe V1", "Open Inference V2", "Health", "Metrics", "Docs",
                "Model repository");
    }

    @Test
    void documentsExactlyTheRoutesTheRouterServes() {
        assertThat(handler.routes()).hasSize(25);
        assertThat(documentedRoutes(doc)).containsExactlyInAnyOrderElementsOf(handler.routes());
        assertThat(routeProblems(doc, handler.routes())).isEmpty();
    }

    @Test
    void everyRefResolvesAndEveryComponentIsUsed() {
        assertThat(refs(doc)).hasSizeGreaterThan(50);
        assertThat(refProblems(doc)).isEmpty();
    }

    @Test
    void everyOperationHasSummaryTagsResponsesAndMatchingPathParameters() {
        assertThat(operationProblems(doc)).isEmpty();
    }

    @Test
    void everyV2InferRequestExampleHasTheRequiredFields() {
        assertThat(v2InferExampleCount(doc)).as("examples checked").isGreaterThanOrEqualTo(2 * 5);
        assertThat(v2InferExampleProblems(doc)).isEmpty();
    }

    @Test
    void everyExampleOfEveryBodyMatchesItsSchema() {
        List<String> problems = new ArrayList<>();
        forEachMediaType(doc, (where, media) -> problems.addAll(mediaExampleProblems(doc, where, media)));
        assertThat(problems).isEmpty();
    }

    @Test
    void datatypeEnumHoldsTheThirteenV2Datatypes() {
        List<String> datatypes = new ArrayList<>();
        doc.at("/components/schemas/Datatype/enum").forEach(d -> datatypes.add(d.asText()));
        List<String> expected = new ArrayList<>();
        for (io.kubeserve.core.tensor.DataType type : io.kubeserve.core.tensor.DataType.values()) {
            expected.add(type.name());
        }
        assertThat(datatypes).hasSize(13).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void inferenceAndModelErrorsPointAtTheSharedResponses() {
        for (String path : List.of("/predict", "/v1/models/{model}:predict", V2_INFER_PATHS.get(0),
                V2_INFER_PATHS.get(1))) {
            JsonNode responses = doc.path("paths").path(path).path("post").path("responses");
            assertThat(responses.path("400").path("$ref").asText()).as(path).endsWith("/BadRequest");
            assertThat(responses.path("404").path("$ref").asText()).as(path).endsWith("/NotFound");
            assertThat(responses.path("413").path("$ref").asText()).as(path).endsWith("/PayloadTooLarge");
            assertThat(responses.path("415").path("$ref").asText()).as(path).endsWith("/UnsupportedMediaType");
            assertThat(responses.path("500").path("$ref").asText()).as(path).endsWith("/Internal");
            assertThat(responses.path("503").path("$ref").asText()).as(path).endsWith("/Unavailable");
        }
        assertThat(doc.at("/components/responses/Unavailable/headers").has("Retry-After")).isTrue();
        JsonNode infer = resolve(doc, doc.at("/paths/~1v2~1models~1{model}~1infer/post/responses/200"));
        assertThat(infer.path("content").has("application/octet-stream")).isTrue();
        assertThat(infer.path("headers").has("Inference-Header-Content-Length")).isTrue();
        JsonNode body = resolve(doc, doc.at("/paths/~1v2~1models~1{model}~1infer/post/requestBody"));
        assertThat(body.path("content").has("application/octet-stream")).isTrue();
        assertThat(doc.at("/paths/~1metrics/get/responses/200/content").fieldNames().next()).startsWith("text/plain");
    }

    @Test
    void apiTokensAndRateLimitsAreDocumentedWhereTheyApply() {
        assertThat(doc.at("/components/securitySchemes/ApiToken/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.path("security").toString()).isEqualTo("[{\"ApiToken\":[]}]");
        Set<String> probes = Set.of("/health", "/ready", "/health/live", "/health/ready", "/v2/health/live",
                "/v2/health/ready");
        List<String> problems = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(entry -> {
            String name = entry.getKey() + " " + path.getKey();
            JsonNode operation = entry.getValue();
            JsonNode responses = operation.path("responses");
            boolean probe = probes.contains(path.getKey());
            boolean repository = path.getKey().startsWith("/v2/repository/");
            String unauthorized = repository ? "/Unauthorized" : "/ApiUnauthorized";
            if (!responses.path("401").path("$ref").asText().endsWith(unauthorized)) {
                problems.add(name + ": 401 is not " + unauthorized);
            }
            if (probe == responses.has("429")) {
                problems.add(name + (probe ? ": a probe is never rate limited" : ": no 429"));
            }
            if (!probe && responses.has("429")
                    && !responses.path("429").path("$ref").asText().endsWith("/TooManyRequests")) {
                problems.add(name + ": 429 is not TooManyRequests");
            }
            boolean optional = probe || path.getKey().equals("/metrics");
            if (optional && !operation.path("security").toString().equals("[{},{\"ApiToken\":[]}]")) {
                problems.add(name + ": open unless protected, so the token is optional");
            }
            if (!optional && !repository && operation.has("security")) {
                problems.add(name + ": overrides the global ApiToken requirement");
            }
        }));
        assertThat(problems).isEmpty();
        assertThat(doc.at("/components/responses/TooManyRequests/headers").has("Retry-After")).isTrue();
        assertThat(doc.at("/components/responses/ApiUnauthorized/headers").has("WWW-Authenticate")).isTrue();
    }

    @Test
    void theServerServesThisDocumentAndTheViewer() throws Exception {
        Undertow server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(handler).build();
        server.start();
        try {
            int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<byte[]> openApi = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/openapi.json")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(openApi.statusCode()).isEqualTo(200);
            assertThat(openApi.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(MAPPER.readTree(openApi.body())).isEqualTo(doc);

            HttpResponse<String> page = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/docs")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("/openapi.json");
        } finally {
            server.stop();
        }
    }

    // ---- each check fails on a doctored copy --------------------------------------------------

    @Test
    void routeCheckFindsAMissingAnExtraAndAWrongMethod() {
        ObjectNode missing = copy();
        ((ObjectNode) missing.path("paths")).remove("/v2");
        assertThat(routeProblems(missing, handler.routes())).containsExactly("not documented: GET /v2");

        ObjectNode extra = copy();
        ((ObjectNode) extra.path("paths")).set("/v3/models", extra.at("/paths/~1v1~1models").deepCopy());
        assertThat(routeProblems(extra, handler.routes())).containsExactly("documented but not served: GET /v3/models");

        ObjectNode wrongMethod = copy();
        ObjectNode predict = (ObjectNode) wrongMethod.at("/paths/~1predict");
        predict.set("get", predict.remove("post"));
        assertThat(routeProblems(wrongMethod, handler.routes()))
                .containsExactlyInAnyOrder("not documented: POST /predict", "documented but not served: GET /predict");

        ObjectNode otherTemplate = copy();
        ObjectNode paths = (ObjectNode) otherTemplate.path("paths");
        paths.set("/v1/models/{name}", paths.remove("/v1/models/{model}"));
        assertThat(routeProblems(otherTemplate, handler.routes())).containsExactlyInAnyOrder(
                "not documented: GET /v1/models/{model}", "documented but not served: GET /v1/models/{name}");
    }

    @Test
    void refCheckFindsADanglingRefAnOutsideRefAndAnUnusedComponent() {
        ObjectNode dangling = copy();
        ((ObjectNode) dangling.at("/paths/~1v1~1models/get/responses/200/content/application~1json/schema"))
                .put("$ref", "#/components/schemas/NoSuchSchema");
        assertThat(refProblems(dangling)).contains("does not resolve: #/components/schemas/NoSuchSchema")
                .anyMatch(p -> p.equals("never referenced: #/components/schemas/V1ModelList"));

        ObjectNode outside = copy();
        ((ObjectNode) outside.at("/paths/~1predict/post/responses/400")).put("$ref", "errors.json#/BadRequest");
        assertThat(refProblems(outside)).contains("not inside the document: errors.json#/BadRequest");

        ObjectNode unused = copy();
        ((ObjectNode) unused.at("/components/schemas")).putObject("Orphan").put("type", "string");
        assertThat(refProblems(unused)).containsExactly("never referenced: #/components/schemas/Orphan");
    }

    @Test
    void operationCheckFindsMissingSummaryResponsesTagsAndParameters() {
        ObjectNode noSummary = copy();
        ((ObjectNode) noSummary.at("/paths/~1metrics/get")).remove("summary");
        assertThat(operationProblems(noSummary)).containsExactly("GET /metrics: no summary");

        ObjectNode noResponses = copy();
        ((ObjectNode) noResponses.at("/paths/~1v2/get")).putObject("responses");
        assertThat(operationProblems(noResponses)).contains("GET /v2: no responses", "GET /v2: no 2xx response");

        ObjectNode onlyErrors = copy();
        ((ObjectNode) onlyErrors.at("/paths/~1v1~1models~1{model}/get/responses")).remove("200");
        assertThat(operationProblems(onlyErrors)).containsExactly("GET /v1/models/{model}: no 2xx response");

        ObjectNode unknownTag = copy();
        ((ArrayNode) unknownTag.at("/paths/~1/get/tags")).add("Misc");
        assertThat(operationProblems(unknownTag)).containsExactly("GET /: tag 'Misc' is not declared");

        ObjectNode noParameter = copy();
        ((ObjectNode) noParameter.at("/paths/~1docs~1{file}/get")).remove("parameters");
        assertThat(operationProblems(noParameter)).containsExactly(
                "GET /docs/{file}: path parameters [] but template has [file]");

        ObjectNode wrongParameter = copy();
        ((ArrayNode) wrongParameter.at("/paths/~1v2~1models~1{model}~1versions~1{version}/get/parameters")).remove(1);
        assertThat(operationProblems(wrongParameter)).containsExactly(
                "GET /v2/models/{model}/versions/{version}: path parameters [model] but template has [model, version]");
    }

    @Test
    void exampleCheckFindsAMissingFieldAWrongDatatypeAndAWrongType() {
        String firstExample = "/components/requestBodies/V2Infer/content/application~1json/examples/one-flower/value";

        ObjectNode noDatatype = copy();
        ((ObjectNode) noDatatype.at(firstExample + "/inputs/0")).remove("datatype");
        assertThat(v2InferExampleProblems(noDatatype)).hasSize(2)
                .allMatch(p -> p.endsWith("one-flower: /inputs/0 required: required property 'datatype' not found"));

        ObjectNode noInputs = copy();
        ((ObjectNode) noInputs.at(firstExample)).remove("inputs");
        assertThat(v2InferExampleProblems(noInputs)).hasSize(2)
                .allMatch(p -> p.endsWith("one-flower: (root) required: required property 'inputs' not found"));

        ObjectNode badDatatype = copy();
        ((ObjectNode) badDatatype.at(firstExample + "/inputs/0")).put("datatype", "FP99");
        assertThat(v2InferExampleProblems(badDatatype)).hasSize(2)
                .allMatch(p -> p.contains("one-flower: /inputs/0/datatype enum: does not have a value in the enumeration"));

        ObjectNode badShape = copy();
        ((ArrayNode) badShape.at(firstExample + "/inputs/0/shape")).set(0, MAPPER.getNodeFactory().textNode("1"));
        assertThat(v2InferExampleProblems(badShape)).hasSize(2)
                .allMatch(p -> p.endsWith("one-flower: /inputs/0/shape/0 type: string found, integer expected"));

        ObjectNode noExamples = copy();
        ((ObjectNode) noExamples.at("/components/requestBodies/V2Infer/content/application~1json")).remove("examples");
        assertThat(v2InferExampleProblems(noExamples)).hasSize(2)
                .allMatch(p -> p.endsWith("application/json has a schema but no example"));
    }

    @Test
    void exampleCheckCoversResponsesAndOneOf() {
        ObjectNode badResponse = copy();
        ((ObjectNode) badResponse.at("/paths/~1health/get/responses/200/content/application~1json/example"))
                .put("status", "fine");
        List<String> problems = new ArrayList<>();
        forEachMediaType(badResponse, (where, media) -> problems.addAll(mediaExampleProblems(badResponse, where, media)));
        assertThat(problems).containsExactly(
                "GET /health 200 application/json example: /status enum: does not have a value in the enumeration"
                        + " [\"ok\", \"unavailable\"]");

        ObjectNode both = copy();
        ((ObjectNode) both.at("/paths/~1v1~1models~1{model}:predict/post/requestBody/content/application~1json"
                + "/examples/two-flowers/value")).putArray("inputs").addArray().add(1.0);
        List<String> oneOf = new ArrayList<>();
        forEachMediaType(both, (where, media) -> oneOf.addAll(mediaExampleProblems(both, where, media)));
        assertThat(oneOf).containsExactly(
                "POST /v1/models/{model}:predict request application/json two-flowers: (root) oneOf:"
                        + " must be valid to one and only one schema, but 2 are valid with indexes '0, 1'");
    }

    // ---- checks -------------------------------------------------------------------------------

    /** "METHOD /path" for every operation of the document. */
    static Set<String> documentedRoutes(JsonNode doc) {
        Set<String> routes = new LinkedHashSet<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                routes.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        return routes;
    }

    static List<String> routeProblems(JsonNode doc, List<String> served) {
        Set<String> documented = documentedRoutes(doc);
        List<String> problems = new ArrayList<>();
        for (String route : served) {
            if (!documented.contains(route)) {
                problems.add("not documented: " + route);
            }
        }
        for (String route : documented) {
            if (!served.contains(route)) {
                problems.add("documented but not served: " + route);
            }
        }
        return problems;
    }

    static List<String> refs(JsonNode doc) {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        return refs;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("$ref") && field.getValue().isTextual()) {
                    refs.add(field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(element -> collectRefs(element, refs));
        }
    }

    /** Every $ref points inside the document at something there, and every component is referenced. */
    static List<String> refProblems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (String ref : refs(doc)) {
            if (!ref.startsWith("#/")) {
                problems.add("not inside the document: " + ref);
            } else if (doc.at(ref.substring(1)).isMissingNode()) {
                problems.add("does not resolve: " + ref);
            } else {
                used.add(ref);
            }
        }
        // security schemes are used by name in security requirements, not by $ref
        collectSecurityNames(doc, used);
        doc.path("components").fields().forEachRemaining(kind -> kind.getValue().fieldNames().forEachRemaining(name -> {
            String ref = "#/components/" + kind.getKey() + "/" + name;
            if (!used.contains(ref)) {
                problems.add("never referenced: " + ref);
            }
        }));
        return problems;
    }

    private static void collectSecurityNames(JsonNode node, Set<String> used) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("security") && field.getValue().isArray()) {
                    field.getValue().forEach(requirement -> requirement.fieldNames().forEachRemaining(
                            name -> used.add("#/components/securitySchemes/" + name)));
                } else {
                    collectSecurityNames(field.getValue(), used);
                }
            });
        } else if (node.isArray()) {
            node.forEach(element -> collectSecurityNames(element, used));
        }
    }

    static List<String> operationProblems(JsonNode doc) {
        Set<String> declaredTags = new HashSet<>();
        doc.path("tags").forEach(tag -> declaredTags.add(tag.path("name").asText()));
        Set<String> operationIds = new HashSet<>();
        List<String> problems = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(entry -> {
            if (!METHODS.contains(entry.getKey())) {
                return;
            }
            JsonNode operation = entry.getValue();
            String name = entry.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
            if (operation.path("summary").asText().isBlank()) {
                problems.add(name + ": no summary");
            }
            JsonNode responses = operation.path("responses");
            if (responses.size() == 0) {
                problems.add(name + ": no responses");
            }
            boolean success = false;
            for (Iterator<String> codes = responses.fieldNames(); codes.hasNext(); ) {
                success |= codes.next().startsWith("2");
            }
            if (!success) {
                problems.add(name + ": no 2xx response");
            }
            if (operation.path("tags").size() == 0) {
                problems.add(name + ": no tags");
            }
            operation.path("tags").forEach(tag -> {
                if (!declaredTags.contains(tag.asText())) {
                    problems.add(name + ": tag '" + tag.asText() + "' is not declared");
                }
            });
            String id = operation.path("operationId").asText();
            if (id.isBlank() || !operationIds.add(id)) {
                problems.add(name + ": operationId '" + id + "' missing or not unique");
            }
            Set<String> inTemplate = new TreeSet<>();
            Matcher matcher = TEMPLATE_PARAM.matcher(path.getKey());
            while (matcher.find()) {
                inTemplate.add(matcher.group(1));
            }
            Set<String> declared = new TreeSet<>();
            operation.path("parameters").forEach(parameter -> {
                JsonNode resolved = resolve(doc, parameter);
                if (resolved.path("in").asText().equals("path")) {
                    declared.add(resolved.path("name").asText());
                    if (!resolved.path("required").asBoolean()) {
                        problems.add(name + ": path parameter '" + resolved.path("name").asText() + "' not required");
                    }
                }
            });
            if (!declared.equals(inTemplate)) {
                problems.add(name + ": path parameters " + declared + " but template has " + inTemplate);
            }
        }));
        return problems;
    }

    static int v2InferExampleCount(JsonNode doc) {
        int count = 0;
        for (String path : V2_INFER_PATHS) {
            JsonNode body = resolve(doc, doc.path("paths").path(path).path("post").path("requestBody"));
            count += body.path("content").path("application/json").path("examples").size();
        }
        return count;
    }

    /** The JSON examples of both V2 infer request bodies, against V2InferenceRequest. */
    static List<String> v2InferExampleProblems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        for (String path : V2_INFER_PATHS) {
            JsonNode body = resolve(doc, doc.path("paths").path(path).path("post").path("requestBody"));
            JsonNode media = body.path("content").path("application/json");
            String where = "POST " + path + " request application/json";
            if (!resolve(doc, media.path("schema")).equals(doc.at("/components/schemas/V2InferenceRequest"))) {
                problems.add(where + ": schema is not V2InferenceRequest");
            }
            if (media.path("examples").size() == 0 && !media.has("example")) {
                problems.add(where + " has a schema but no example");
            }
            problems.addAll(mediaExampleProblems(doc, where, media));
        }
        return problems;
    }

    /** Calls {@code action} with every media type of every request body and response. */
    static void forEachMediaType(JsonNode doc, java.util.function.BiConsumer<String, JsonNode> action) {
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(entry -> {
            if (!METHODS.contains(entry.getKey())) {
                return;
            }
            String name = entry.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
            JsonNode operation = entry.getValue();
            resolve(doc, operation.path("requestBody")).path("content").fields().forEachRemaining(media ->
                    action.accept(name + " request " + media.getKey(), media.getValue()));
            operation.path("responses").fields().forEachRemaining(response ->
                    resolve(doc, response.getValue()).path("content").fields().forEachRemaining(media ->
                            action.accept(name + " " + response.getKey() + " " + media.getKey(), media.getValue())));
        }));
    }

    static List<String> mediaExampleProblems(JsonNode doc, String where, JsonNode media) {
        List<String> problems = new ArrayList<>();
        JsonNode schema = media.path("schema");
        if (schema.isMissingNode()) {
            return problems;
        }
        if (media.has("example")) {
            for (String problem : validate(doc, schema, media.get("example"))) {
                problems.add(where + " example: " + problem);
            }
        }
        media.path("examples").fields().forEachRemaining(example -> {
            for (String problem : validate(doc, schema, resolve(doc, example.getValue()).path("value"))) {
                problems.add(where + " " + example.getKey() + ": " + problem);
            }
        });
        return problems;
    }

    /**
     * What is wrong with {@code value} against {@code schemaOrRef}, by networknt's validator in the
     * OpenAPI 3.0 dialect (draft 4 with {@code nullable}); {@code $ref}s resolve inside {@code doc}.
     * Each problem reads {@code "<JSON pointer of the value, or (root)> <keyword>: <validator's message>"},
     * sorted.
     */
    static List<String> validate(JsonNode doc, JsonNode schemaOrRef, JsonNode value) {
        // the schema is read where it sits in the document, so "#/components/..." resolves; one
        // factory (and schema cache) per document, as each doctored copy is another document
        String pointer = pointerOf(doc, schemaOrRef, "");
        if (pointer == null) {
            throw new IllegalArgumentException("the schema is not a node of the document: " + schemaOrRef);
        }
        JsonSchemaFactory factory = FACTORIES.computeIfAbsent(doc, d -> {
            String text = d.toString();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, builder -> builder
                    .metaSchema(OpenApi30.getInstance()).defaultMetaSchemaIri(OpenApi30.getInstance().getIri())
                    .schemaLoaders(loaders -> loaders.schemas(iri -> iri.equals(DOCUMENT_IRI) ? text : null)));
        });
        JsonSchema schema = factory.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#" + pointer), SCHEMA_CONFIG);
        List<String> problems = new ArrayList<>();
        for (ValidationMessage message : schema.validate(value)) {
            String at = message.getInstanceLocation().toString();
            problems.add((at.isEmpty() ? "(root)" : at) + " " + message.getType() + ": " + message.getError());
        }
        problems.sort(null);
        return problems;
    }

    /** The JSON pointer of {@code target} (this very node, not an equal one) under {@code node}, or null. */
    private static String pointerOf(JsonNode node, JsonNode target, String at) {
        if (node == target) {
            return at;
        }
        if (node.isObject()) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                String found = pointerOf(node.get(name), target, at + "/" + name.replace("~", "~0").replace("/", "~1"));
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = pointerOf(node.get(i), target, at + "/" + i);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Follows $ref (inside the document) until it reaches an object that is not a reference. */
    static JsonNode resolve(JsonNode doc, JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; current.has("$ref"); hops++) {
            if (hops > 16) {
                throw new IllegalStateException("$ref cycle at " + node);
            }
            current = doc.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private ObjectNode copy() {
        return (ObjectNode) doc.deepCopy();
    }

    private static JsonNode load() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the classpath").isNotNull();
            return MAPPER.readTree(in);
        }
    }
}
