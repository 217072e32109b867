package io.kubeserve.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The reference models of {@code src/test/resources/models} (copied from the team's shared
 * models), laid out in temporary repositories, with the outputs their training frameworks computed.
 */
public final class TestModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestModels() {
    }

    /** Copies a reference model to {@code repo/<name>/<version>/model.<ext>}; returns the model dir. */
    public static Path install(Path repo, String resource, String name, String version) {
        String extension = resource.substring(resource.lastIndexOf('.'));
        Path versionDir = repo.resolve(name).resolve(version);
        try (InputStream in = stream(resource)) {
            Files.createDirectories(versionDir);
            Files.copy(in, versionDir.resolve("model" + extension), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return repo.resolve(name);
    }

    public static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code NAME.expected.json} document. */
    public static JsonNode expected(String name) {
        try (InputStream in = stream(name + ".expected.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows {@code from..to} of the sample inputs as an FP32 tensor [rows, 4]. */
    public static Tensor sampleRows(JsonNode expected, String input, int from, int to) {
        JsonNode rows = expected.get("sample_inputs").get(input);
        int columns = rows.get(0).size();
        float[] values = new float[(to - from) * columns];
        for (int r = from; r < to; r++) {
            for (int c = 0; c < columns; c++) {
                values[(r - from) * columns + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return Tensor.ofFloats(new long[] {to - from, columns}, values);
    }

    public static int sampleCount(JsonNode expected, String input) {
        return expected.get("sample_inputs").get(input).size();
    }

    private static InputStream stream(String resource) {
        InputStream in = TestModels.class.getResourceAsStream("/models/" + resource);
        if (in == null) {
            throw new IllegalArgumentException("no test resource models/" + resource);
        }
        return in;
    }
}
