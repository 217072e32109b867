package io.kubeserve.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.TestModels;
import io.kubeserve.core.spi.Predictor;
import io.kubeserve.core.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real models served twice, with and without dynamic batching: random mixes of concurrent
 * requests get the same answers from both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchingEquivalenceTest {

    private static final String BATCHING = "{\"max_batch_size\": 16, \"max_queue_delay_microseconds\": 2000}";

    @TempDir
    static Path repo;

    private KubeServe kubeServe;

    @BeforeAll
    void load() {
        TestModels.install(repo, "iris_rf.onnx", "rf", "1");
        TestModels.install(repo, "iris_rf.onnx", "rf_batched", "1");
        TestModels.write(repo.resolve("rf_batched/config.json"), BATCHING);
        TestModels.install(repo, "mlp_torch.onnx", "mlp", "1");
        TestModels.install(repo, "mlp_torch.onnx", "mlp_batched", "1");
        TestModels.write(repo.resolve("mlp_batched/config.json"), BATCHING);
        Path torch = TestModels.install(repo, "mlp_torchscript.pt", "ts", "1");
        TestModels.write(torch.resolve("config.json"),
                "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [-1, 4]}]}");
        Path torchBatched = TestModels.install(repo, "mlp_torchscript.pt", "ts_batched", "1");
        TestModels.write(torchBatched.resolve("config.json"), "{\"inputs\": [{\"name\": \"input\", \"datatype\": "
                + "\"FP32\", \"shape\": [-1, 4]}], \"max_batch_size\": 16, \"max_queue_delay_microseconds\": 2000}");
        kubeServe = KubeServe.builder().repository(repo).build();
    }

    @AfterAll
    void close() {
        kubeServe.close();
    }

    @ParameterizedTest
    @CsvSource({"rf, float_input, iris_rf", "mlp, input, mlp_torch", "ts, input, mlp_torch"})
    void batchedAnswersEqualUnbatchedOnes(String model, String input, String reference) throws Exception {
        JsonNode expected = TestModels.expected(reference);
        int rows = TestModels.sampleCount(expected, input);
        Predictor plain = kubeServe.predictor(model);
        Predictor batched = kubeServe.predictor(model + "_batched");
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = 31L * t + model.hashCode();
                futures.add(clients.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 40; i++) {
                        int from = random.nextInt(rows);
                        int to = Math.min(rows, from + 1 + random.nextInt(4));
                        Tensor tensor = TestModels.sampleRows(expected, input, from, to);
                        InferenceResponse want = plain.predict(InferenceRequest.of(input, tensor));
                        InferenceResponse got = batched.predict(InferenceRequest.of(input, tensor));
                        assertThat(got.outputs().keySet()).isEqualTo(want.outputs().keySet());
                        for (String name : want.outputs().keySet()) {
                            assertThat(got.output(name).shape()).isEqualTo(want.output(name).shape());
                            float[] a = got.output(name).toFloatArray();
                            float[] b = want.output(name).toFloatArray();
                            for (int k = 0; k < a.length; k++) {
                                // GEMM kernels may sum in another order for another batch size
                                assertThat(a[k]).as(name + "[" + k + "]").isCloseTo(b[k],
                                        org.assertj.core.data.Offset.offset(1e-6f));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
    }
}
