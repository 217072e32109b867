package io.kubeserve.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/** Option combinations the tests run through, and a reader for the YAML the generator writes. */
final class Scenarios {

    /** The ONNX-only image variant: its KServe runtimes auto-select {@code onnx} only. */
    static final String IMAGE = "kubeserve/server:0.1.0-onnx";
    /** The image with every engine. */
    static final String FULL_IMAGE = "kubeserve/server:0.1.0-full";

    private Scenarios() {
    }

    static ManifestOptionsBuilder iris() {
        return ManifestOptions.builder("iris", IMAGE);
    }

    static Stream<Named<ManifestOptions>> all() {
        return Stream.of(
                Named.of("defaults (CPU, model in image)", iris().build()),
                Named.of("GPU", iris().gpus(2).build()),
                Named.of("remote s3 model", iris().model("s3://models-bucket/iris/v3").build()),
                Named.of("s3 model with credentials", iris().model("s3://models-bucket/iris")
                        .modelCredentialsSecret("s3-credentials").build()),
                Named.of("GPU and s3 model", iris().gpus(1).model("s3://models-bucket/iris").build()),
                Named.of("PVC model", iris().model("pvc://model-store/iris").build()),
                Named.of("rps metric", iris().requestsPerSecondPerPod(25).build()),
                Named.of("ingress with host", iris().ingressHost("iris.example.com").build()),
                Named.of("ingress any host", iris().ingress(true).build()),
                Named.of("keda", iris().keda(true).requestsPerSecondPerPod(15).build()),
                Named.of("kserve", iris().kserve(true).build()),
                Named.of("kserve s3 model", iris().kserve(true).model("s3://models-bucket/iris").build()),
                Named.of("kserve + keda", iris().kserve(true).keda(true).model("s3://models-bucket/iris").build()),
                Named.of("kserve canary", iris().kserve(true).canaryPercent(10).build()),
                Named.of("kserve GPU", iris().kserve(true).gpus(1).build()),
                Named.of("gRPC off", iris().grpcPort(0).build()),
                Named.of("gRPC probes", iris().probes(ProbeKind.GRPC).grpcPort(9000).build()),
                Named.of("kserve gRPC off", iris().kserve(true).grpcPort(0).build()),
                Named.of("kserve grpc-v2 with gRPC probes", iris().kserve(true).kserveProtocol(KServeProtocol.GRPC_V2)
                        .probes(ProbeKind.GRPC).model("s3://models-bucket/iris").build()),
                Named.of("kserve canary grpc-v2", iris().kserve(true).canaryPercent(10)
                        .kserveProtocol(KServeProtocol.GRPC_V2).probes(ProbeKind.GRPC).build()),
                Named.of("TLS", iris().tlsSecret("iris-tls").build()),
                Named.of("API tokens", iris().authTokensSecret("iris-tokens").build()),
                Named.of("TLS, tokens, s3 model, gRPC off", iris().tlsSecret("iris-tls").authTokensSecret("iris-tokens")
                        .model("s3://models-bucket/iris").grpcPort(0).build()),
                Named.of("kserve s3 model, full image, tokens", ManifestOptions.builder("iris", FULL_IMAGE).kserve(true)
                        .model("s3://models-bucket/iris").authTokensSecret("iris-tokens").build()),
                Named.of("everything tuned", iris().namespace("ml-prod").replicas(3).autoscaling(3, 30).port(9000)
                        .resources(new ResourceSettings("500m", "4", "1Gi", "3Gi"))
                        .allowNamespace("frontend").allowNamespace("batch").ingressControllerNamespace("traefik")
                        .monitoringNamespace("observability").ingressHost("models.example.com")
                        .ingressClassName("traefik").serverConfig("KUBESERVE_LOG_LEVEL", "debug").build()));
    }

    /** Cluster-scoped KServe runtimes: a single ClusterServingRuntime each. */
    static Stream<Named<ManifestOptions>> clusterRuntimes() {
        return Stream.of(
                Named.of("cluster runtime, full image", ManifestOptions.builder("kubeserve", FULL_IMAGE)
                        .clusterRuntime(true).build()),
                Named.of("cluster runtime, onnx image, gRPC off", ManifestOptions.builder("kubeserve-onnx", IMAGE)
                        .clusterRuntime(true).grpcPort(0).runtimePriority(3).build()),
                Named.of("cluster runtime, GPU, tuned", ManifestOptions.builder("kubeserve", FULL_IMAGE)
                        .clusterRuntime(true).gpus(1)
                        .resources(new ResourceSettings("500m", "4", "1Gi", "3Gi"))
                        .serverConfig("KUBESERVE_LOG_LEVEL", "debug").build()));
    }

    /** Parses multi-document YAML back into trees, as kubectl would read it. */
    static List<JsonNode> parse(String yaml) {
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            return docs.readAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
