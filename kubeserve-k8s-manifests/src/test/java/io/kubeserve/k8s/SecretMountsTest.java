package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubeserve.k8s.crd.ServingRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The TLS and API token Secrets reach the server: each is a read-only volume, and the file the server
 * is told to read is where the volume puts the Secret's key.
 */
class SecretMountsTest {

    @Test
    void tlsSecretIsMountedReadOnlyAndTheServerAndProbesUseIt() {
        List<KubernetesResource> docs = ManifestGenerator.generate(Scenarios.iris().tlsSecret("iris-tls").build());
        PodSpec pod = find(docs, Deployment.class).getSpec().getTemplate().getSpec();
        Container server = pod.getContainers().get(0);

        Volume tls = volumeOfSecret(pod.getVolumes(), "iris-tls");
        assertThat(tls.getSecret().getDefaultMode()).as("0440: owner and the fsGroup").isEqualTo(0440);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(server.getSecurityContext().getRunAsGroup());
        VolumeMount mount = mountOf(server, tls.getName());
        assertThat(mount.getReadOnly()).isTrue();
        // A kubernetes.io/tls Secret's keys are tls.crt and tls.key; no items: every key appears by its name.
        assertThat(tls.getSecret().getItems()).isEmpty();
        assertThat(valueOf(server.getArgs(), "--tls-cert")).isEqualTo(mount.getMountPath() + "/tls.crt");
        assertThat(valueOf(server.getArgs(), "--tls-key")).isEqualTo(mount.getMountPath() + "/tls.key");

        for (Probe probe : List.of(server.getStartupProbe(), server.getReadinessProbe(), server.getLivenessProbe())) {
            assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
        }
        // gRPC is HTTP/2 over TLS now, not h2c.
        ServicePort grpc = find(docs, Service.class).getSpec().getPorts().stream()
                .filter(p -> p.getName().equals("grpc")).findFirst().orElseThrow();
        assertThat(grpc.getAppProtocol()).isNull();
    }

    @Test
    void tokenSecretIsMountedReadOnlyAndTheServerReadsItsTokensKey() {
        PodSpec pod = podOf(Scenarios.iris().authTokensSecret("iris-tokens").build());
        Container server = pod.getContainers().get(0);

        Volume tokens = volumeOfSecret(pod.getVolumes(), "iris-tokens");
        assertThat(tokens.getSecret().getItems()).singleElement().satisfies(item ->
                assertThat(item.getKey()).isEqualTo("tokens"));
        VolumeMount mount = mountOf(server, tokens.getName());
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(valueOf(server.getArgs(), "--auth-tokens-file"))
                .isEqualTo(mount.getMountPath() + "/" + tokens.getSecret().getItems().get(0).getPath());
        // Probes stay open (the server's --auth-probes default), so they stay plain HTTP GETs without a token.
        assertThat(server.getReadinessProbe().getHttpGet().getScheme()).isNull();
        assertThat(server.getReadinessProbe().getHttpGet().getHttpHeaders()).isEmpty();
        assertThat(server.getEnv()).noneSatisfy(e -> assertThat(e.getName()).isEqualTo("KUBESERVE_AUTH_TOKENS"));
    }

    @Test
    void bothSecretsTogetherGetTwoVolumesAndTheInitContainerSeesNeither() {
        PodSpec pod = podOf(Scenarios.iris().tlsSecret("iris-tls").authTokensSecret("iris-tokens")
                .model("s3://models-bucket/iris").build());
        assertThat(pod.getVolumes()).extracting(v -> v.getSecret() == null ? null : v.getSecret().getSecretName())
                .containsOnlyOnce("iris-tls", "iris-tokens");
        assertThat(pod.getInitContainers().get(0).getVolumeMounts()).extracting(VolumeMount::getMountPath)
                .containsExactlyInAnyOrder("/tmp", "/models");
        assertThat(pod.getInitContainers().get(0).getArgs()).doesNotContain("--tls-cert", "--auth-tokens-file");
    }

    @Test
    void withoutSecretsThereIsNoSecretVolumeAndNoSecretFlag() {
        PodSpec pod = podOf(Scenarios.iris().build());
        assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getSecret()).isNull());
        assertThat(pod.getContainers().get(0).getArgs()).doesNotContain("--tls-cert", "--tls-key", "--auth-tokens-file");
        assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getScheme()).isNull();
    }

    @Test
    void theKServeRuntimeMountsTheTokensReadableWithoutAnFsGroup() {
        ManifestOptions o = Scenarios.iris().kserve(true).model("s3://models-bucket/iris")
                .authTokensSecret("iris-tokens").build();
        ServingRuntime runtime = find(ManifestGenerator.generate(o), ServingRuntime.class);
        Volume tokens = volumeOfSecret(runtime.spec().volumes(), "iris-tokens");
        // An auto-selected InferenceService may set no fsGroup: the file must be readable to the server's user.
        assertThat(tokens.getSecret().getDefaultMode()).isEqualTo(0444);
        Container server = runtime.spec().containers().get(0);
        assertThat(valueOf(server.getArgs(), "--auth-tokens-file"))
                .startsWith(mountOf(server, tokens.getName()).getMountPath() + "/");
    }

    private static PodSpec podOf(ManifestOptions o) {
        return find(ManifestGenerator.generate(o), Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static Volume volumeOfSecret(List<Volume> volumes, String secret) {
        return volumes.stream().filter(v -> v.getSecret() != null && secret.equals(v.getSecret().getSecretName()))
                .findFirst().orElseThrow(() -> new AssertionError("no volume of Secret " + secret));
    }

    private static VolumeMount mountOf(Container c, String volume) {
        return c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " does not mount " + volume));
    }

    private static String valueOf(List<String> args, String flag) {
        int i = args.indexOf(flag);
        assertThat(i).as(flag + " in " + args).isNotNegative();
        return args.get(i + 1);
    }

    private static <T> T find(List<KubernetesResource> docs, Class<T> type) {
        return docs.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
