package io.kubeserve.k8s;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.kubeserve.k8s.crd.CustomResourceDocument;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes documents as kubectl-style YAML. Output is byte-for-byte stable for equal input (map keys
 * sorted, field order fixed by the model classes), so it can be diffed and kept as golden files.
 * Null fields are left out. Stateless and thread-safe.
 */
public final class ManifestYaml {

    /** Document separator in multi-document output. */
    public static final String SEPARATOR = "---\n";

    // An ObjectWriter is immutable and thread-safe once built.
    private static final ObjectWriter WRITER = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .disable(YAMLGenerator.Feature.SPLIT_LINES)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build())
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.USE_DEFAULTS))
            .build()
            .writer();

    private ManifestYaml() {
    }

    /**
     * One document, without a leading {@code ---}.
     *
     * @param document a fabric8 built-in object or a {@link CustomResourceDocument}
     * @return the YAML text of the document
     * @throws UncheckedIOException naming the kind, when Jackson cannot write the document
     */
    public static String toYaml(KubernetesResource document) {
        try {
            return WRITER.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write " + kindOf(document) + " as YAML", e);
        }
    }

    /**
     * All documents in order, separated by {@code ---} lines.
     *
     * @param documents the documents, in apply order
     * @return one multi-document YAML string; empty for no documents
     */
    public static String toYaml(List<? extends KubernetesResource> documents) {
        return documents.stream().map(ManifestYaml::toYaml).collect(Collectors.joining(SEPARATOR));
    }

    /**
     * The document's {@code kind}.
     *
     * @param document a fabric8 built-in object or a {@link CustomResourceDocument}
     * @return e.g. {@code Deployment} or {@code InferenceService}
     * @throws IllegalArgumentException for any other object
     */
    public static String kindOf(KubernetesResource document) {
        if (document instanceof HasMetadata builtIn) {
            return builtIn.getKind();
        }
        if (document instanceof CustomResourceDocument custom) {
            return custom.kind();
        }
        throw new IllegalArgumentException("not a Kubernetes document: " + document.getClass().getName());
    }

    /**
     * The file a document of this kind is written to.
     *
     * @param document a fabric8 built-in object or a {@link CustomResourceDocument}
     * @return its kind in lower case plus {@code .yaml}, e.g. {@code deployment.yaml}
     * @throws IllegalArgumentException for an object that is not a Kubernetes document
     */
    public static String fileName(KubernetesResource document) {
        return kindOf(document).toLowerCase(Locale.ROOT) + ".yaml";
    }
}
