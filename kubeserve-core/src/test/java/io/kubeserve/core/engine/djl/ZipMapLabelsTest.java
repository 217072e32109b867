package io.kubeserve.core.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The class order of a ZipMap node is read from the graph as the model declares it. */
class ZipMapLabelsTest {

    @Test
    void stringAndIntegerLabelsInTheNodesOrder() throws IOException {
        assertThat(ZipMapLabels.parse(model("shapes/zipmap_strings.onnx")))
                .isEqualTo(Map.of("output_probability", List.of("b", "a", "c")));
        assertThat(ZipMapLabels.parse(model("shapes/zipmap_ints.onnx")))
                .isEqualTo(Map.of("output_probability", List.of(2L, 0L, 1L)));
    }

    @Test
    void scikitLearnExportsAndModelsWithoutZipMap() throws IOException {
        assertThat(ZipMapLabels.parse(model("iris_logreg.onnx")))
                .isEqualTo(Map.of("output_probability", List.of(0L, 1L, 2L)));
        assertThat(ZipMapLabels.parse(model("mlp_torch.onnx"))).isEmpty();
        assertThat(ZipMapLabels.parse(model("shapes/tok.onnx"))).isEmpty();
    }

    private static byte[] model(String resource) throws IOException {
        try (InputStream in = ZipMapLabelsTest.class.getResourceAsStream("/models/" + resource)) {
            return in.readAllBytes();
        }
    }
}
