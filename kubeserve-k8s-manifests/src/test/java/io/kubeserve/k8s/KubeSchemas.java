package io.kubeserve.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.DisallowSchemaLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The offline schemas under {@code k8s-schemas/} on the test classpath, keyed by
 * {@code apiVersion/kind}. Remote schema loading is disabled outright, so a test can never reach
 * the network even if a schema gained a remote {@code $ref}.
 */
final class KubeSchemas {

    private final Map<String, JsonSchema> byType;

    private KubeSchemas(Map<String, JsonSchema> byType) {
        this.byType = byType;
    }

    static KubeSchemas load() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7,
                b -> b.schemaLoaders(loaders -> loaders.values(list -> {
                    list.clear();
                    list.add(DisallowSchemaLoader.getInstance());
                })));
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonSchema> schemas = new TreeMap<>();
        for (Path file : schemaFiles()) {
            try {
                JsonNode node = json.readTree(file.toFile());
                String key = node.at("/properties/apiVersion/enum/0").asText() + "/"
                        + node.at("/properties/kind/enum/0").asText();
                schemas.put(key, factory.getSchema(node));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new KubeSchemas(schemas);
    }

    /** The {@code apiVersion/kind} pairs that have a schema. */
    java.util.Set<String> types() {
        return byType.keySet();
    }

    /** The schema for the document's apiVersion and kind, if there is one. */
    Optional<JsonSchema> schemaFor(JsonNode document) {
        return Optional.ofNullable(byType.get(document.path("apiVersion").asText() + "/"
                + document.path("kind").asText()));
    }

    /** Errors such as {@code $.spec.replicas: string found, integer expected}; empty when valid. */
    List<String> validate(JsonNode document) {
        JsonSchema schema = schemaFor(document).orElseThrow(() -> new IllegalArgumentException(
                "no schema for " + document.path("apiVersion").asText() + " " + document.path("kind").asText()));
        return schema.validate(document).stream().map(ValidationMessage::toString).sorted().toList();
    }

    private static List<Path> schemaFiles() {
        URL root = KubeSchemas.class.getClassLoader().getResource("k8s-schemas");
        if (root == null) {
            throw new IllegalStateException("k8s-schemas missing from the test classpath");
        }
        try (Stream<Path> files = Files.walk(Path.of(root.toURI()))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
