package io.kubeserve.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.kubeserve.k8s.crd.InferenceService;
import io.kubeserve.k8s.crd.ScaledObject;
import io.kubeserve.k8s.crd.ServingRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the documents say, beyond what the schemas can check. */
class ManifestGeneratorTest {

    static java.util.stream.Stream<org.junit.jupiter.api.Named<ManifestOptions>> scenarios() {
        return Scenarios.all();
    }

    @Test
    void defaultKindsComeInApplyOrder() {
        assertThat(kinds(Scenarios.iris().build())).containsExactly("ConfigMap", "Deployment", "Service",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor");
    }

    @Test
    void optionalKindsReplaceWhatTheyManage() {
        assertThat(kinds(Scenarios.iris().keda(true).ingress(true).build())).containsExactly("ConfigMap",
                "Deployment", "Service", "ScaledObject", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor",
                "Ingress");
        assertThat(kinds(Scenarios.iris().kserve(true).build())).containsExactly("ConfigMap", "ServingRuntime",
                "InferenceService", "PodDisruptionBudget", "NetworkPolicy");
        assertThat(kinds(Scenarios.iris().kserve(true).keda(true).build())).containsExactly("ConfigMap",
                "ServingRuntime", "InferenceService", "ScaledObject", "PodDisruptionBudget", "NetworkPolicy");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void selectorsMatchThePodsTheyMeanAndKindsAreUnique(ManifestOptions o) {
        List<KubernetesResource> docs = ManifestGenerator.generate(o);
        assertThat(docs.stream().map(ManifestYaml::kindOf)).doesNotHaveDuplicates();
        Map<String, String> podLabels = o.kserve()
                ? find(docs, InferenceService.class).spec().predictor().labels()
                : find(docs, Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
        if (!o.kserve()) {
            assertThat(podLabels).containsAllEntriesOf(
                    find(docs, Deployment.class).getSpec().getSelector().getMatchLabels());
        }
        assertThat(podLabels).containsAllEntriesOf(
                find(docs, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(
                find(docs, NetworkPolicy.class).getSpec().getPodSelector().getMatchLabels());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyPodRunsLockedDown(ManifestOptions o) {
        PodSpec pod = podSpec(o);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        // The image's user: 10001:10001.
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        for (Container c : allContainers(pod)) {
            var sc = c.getSecurityContext();
            assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
            assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
            assertThat(sc.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
            assertThat(sc.getRunAsNonRoot()).isTrue();
            assertThat(sc.getRunAsUser()).isEqualTo(10001L);
            assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(c.getEnv()).as("the image sets the JVM options").noneSatisfy(e ->
                    assertThat(e.getName()).isEqualTo("JAVA_TOOL_OPTIONS"));
            assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
            assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        }
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("tmp");
            assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("64Mi"));
            assertThat(v.getEmptyDir().getMedium()).as("on disk: a tmpfs counts against the memory limit").isNull();
        });
        // The server drains for 20 s after SIGTERM, after the preStop sleep: both must fit the grace period.
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(5L + Manifests.DRAIN_SECONDS);
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement().satisfies(term -> assertThat(term.getPodAffinityTerm().getTopologyKey())
                        .isEqualTo("kubernetes.io/hostname"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void serverProbesTheHealthEndpointsAndSleepsBeforeStopping(ManifestOptions o) {
        Container server = podSpec(o).getContainers().get(0);
        if (o.probes() == ProbeKind.GRPC) {
            for (var probe : List.of(server.getStartupProbe(), server.getLivenessProbe(), server.getReadinessProbe())) {
                assertThat(probe.getHttpGet()).isNull();
                assertThat(probe.getGrpc().getPort()).isEqualTo(o.grpcPort());
                // liveness: the service that stays SERVING while the process runs; else the overall one
                assertThat(probe.getGrpc().getService()).as("the health service asked")
                        .isEqualTo(probe == server.getLivenessProbe() ? "liveness" : null);
            }
            assertThat(server.getStartupProbe().getFailureThreshold() * server.getStartupProbe().getPeriodSeconds())
                    .as("seconds allowed for model load").isGreaterThanOrEqualTo(300);
            return;
        }
        // The server is ready in about a second: the startup probe polls every second.
        assertThat(server.getStartupProbe().getPeriodSeconds()).isEqualTo(1);
        assertThat(server.getReadinessProbe().getPeriodSeconds()).isLessThanOrEqualTo(2);
        assertThat(server.getStartupProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
        assertThat(server.getStartupProbe().getFailureThreshold() * server.getStartupProbe().getPeriodSeconds())
                .as("seconds allowed for model load").isGreaterThanOrEqualTo(300);
        assertThat(server.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
        assertThat(server.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
        assertThat(server.getReadinessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString(o.port()));
        assertThat(server.getLifecycle().getPreStop().getExec().getCommand())
                .containsExactly("/bin/sh", "-c", "sleep 5");
        List<String> args = server.getArgs();
        assertThat(args.subList(0, 2)).containsExactly("--model-repository", Manifests.modelRepository(o));
        if (o.kserve()) {
            assertThat(args.subList(2, 4)).containsExactly("--model-name", "{{.Name}}");
        }
        assertThat(String.join(" ", args)).contains("--port " + o.port() + " --grpc-port " + o.grpcPort());
        assertThat(args.contains("--tls-cert")).isEqualTo(o.tls());
        assertThat(args.contains("--auth-tokens-file")).isEqualTo(o.authTokensSecret() != null);
        assertThat(server.getEnvFrom()).singleElement()
                .satisfies(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("iris-config"));
    }

    @Test
    void deploymentRollsOutWithoutLosingCapacity() {
        Deployment d = find(ManifestGenerator.generate(Scenarios.iris().build()), Deployment.class);
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(1));
    }

    @Test
    void cpuPodStaysOffGpuNodes() {
        PodSpec pod = podSpec(Scenarios.iris().build());
        assertThat(pod.getNodeSelector()).isNullOrEmpty();
        assertThat(pod.getTolerations()).isEmpty();
        assertThat(pod.getContainers().get(0).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
    }

    @Test
    void gpuPodAsksForGpusAndToleratesTheirTaint() {
        PodSpec pod = podSpec(Scenarios.iris().gpus(2).build());
        assertThat(pod.getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/gpu", new Quantity("2"));
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
    }

    @Test
    void s3ModelIsFetchedIntoASharedVolumeTheServerOnlyReads() {
        PodSpec pod = podSpec(Scenarios.iris().model("s3://models-bucket/iris").build());
        Container fetch = pod.getInitContainers().get(0);
        assertThat(fetch.getImage()).isEqualTo(Scenarios.IMAGE);
        assertThat(fetch.getCommand()).as("the image's ENTRYPOINT runs the fetch command").isEmpty();
        assertThat(fetch.getArgs()).containsExactly("fetch", "--uri", "s3://models-bucket/iris", "--dest", "/models");
        VolumeMount written = mountAt(fetch, "/models");
        VolumeMount read = mountAt(pod.getContainers().get(0), "/models");
        assertThat(written.getName()).isEqualTo(read.getName());
        assertThat(written.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(read.getReadOnly()).isTrue();
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo(read.getName());
            assertThat(v.getEmptyDir()).isNotNull();
        });
    }

    @Test
    void pvcModelIsMountedReadOnly() {
        PodSpec pod = podSpec(Scenarios.iris().model("pvc://model-store/iris").build());
        assertThat(pod.getInitContainers()).isEmpty();
        VolumeMount mount = mountAt(pod.getContainers().get(0), "/models");
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(mount.getSubPath()).isEqualTo("iris");
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(mount.getName())).singleElement()
                .satisfies(v -> {
                    assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("model-store");
                    assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
                });
    }

    @Test
    void modelInTheImageNeedsNoVolume() {
        PodSpec pod = podSpec(Scenarios.iris().model("/opt/models").build());
        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly("tmp");
        assertThat(pod.getContainers().get(0).getArgs()).contains("/opt/models");
    }

    @Test
    void hpaScalesOnCpuMemoryAndOptionallyRequestRate() {
        HorizontalPodAutoscaler plain = find(ManifestGenerator.generate(Scenarios.iris().build()),
                HorizontalPodAutoscaler.class);
        assertThat(plain.getSpec().getMetrics()).extracting(m -> m.getResource().getName() + "="
                + m.getResource().getTarget().getAverageUtilization()).containsExactly("cpu=70", "memory=80");

        HorizontalPodAutoscaler rps = find(ManifestGenerator.generate(Scenarios.iris().autoscaling(3, 7)
                .requestsPerSecondPerPod(40).build()), HorizontalPodAutoscaler.class);
        assertThat(rps.getSpec().getMinReplicas()).isEqualTo(3);
        assertThat(rps.getSpec().getMaxReplicas()).isEqualTo(7);
        assertThat(rps.getSpec().getMetrics()).last().satisfies(m -> {
            assertThat(m.getPods().getMetric().getName()).isEqualTo("inference_requests_per_second");
            assertThat(m.getPods().getTarget().getAverageValue()).isEqualTo(new Quantity("40"));
        });
    }

    @Test
    void kedaQueriesThisModelsRequestRate() {
        ScaledObject plain = find(ManifestGenerator.generate(Scenarios.iris().keda(true).build()), ScaledObject.class);
        assertThat(plain.spec().scaleTargetRef().name()).isEqualTo("iris");
        assertThat(plain.spec().triggers().get(0).metadata())
                .containsEntry("query", "sum(rate(inference_requests_total{model=\"iris\"}[1m]))")
                .containsEntry("threshold", Integer.toString(ManifestOptions.DEFAULT_KEDA_RPS));

        ScaledObject kserve = find(ManifestGenerator.generate(Scenarios.iris().kserve(true).keda(true)
                .requestsPerSecondPerPod(30).build()), ScaledObject.class);
        assertThat(kserve.spec().scaleTargetRef().name()).isEqualTo("iris-predictor");
        assertThat(kserve.spec().triggers().get(0).metadata()).containsEntry("threshold", "30");
    }

    @Test
    void inferenceServiceFetchesTheModelAndSplitsCanaryTraffic() {
        ManifestOptions o = Scenarios.iris().kserve(true).canaryPercent(10).model("s3://models-bucket/iris").build();
        InferenceService isvc = find(ManifestGenerator.generate(o), InferenceService.class);
        var predictor = isvc.spec().predictor();
        Container server = podSpec(o).getContainers().get(0);
        assertThat(predictor.canaryTrafficPercent()).isEqualTo(10);
        assertThat(predictor.storageUris()).containsExactly(
                new InferenceService.StorageUri("s3://models-bucket/iris", "/mnt/models"));
        assertThat(server.getName()).isEqualTo("kserve-container");
        assertThat(server.getArgs()).contains("/mnt/models");
        assertThat(isvc.metadata().getAnnotations()).containsEntry("serving.kserve.io/deploymentMode", "Serverless");
    }

    @Test
    void configChangeRollsThePods() {
        String before = configHash(Scenarios.iris().build());
        assertThat(configHash(Scenarios.iris().build())).isEqualTo(before);
        assertThat(configHash(Scenarios.iris().serverConfig("KUBESERVE_LOG_LEVEL", "debug").build()))
                .isNotEqualTo(before);
    }

    @Test
    void yamlIsDeterministicAndQuotesStringsThatLookLikeOtherTypes() {
        ManifestOptions o = Scenarios.iris().gpus(1).keda(true).build();
        String yaml = ManifestGenerator.toYaml(o);
        assertThat(ManifestGenerator.toYaml(o.toBuilder().build())).isEqualTo(yaml);
        assertThat(yaml).contains("nvidia.com/gpu.present: \"true\"").contains("KUBESERVE_PORT: \"8080\"")
                .contains("\n---\n").doesNotStartWith("---");
        assertThat(Scenarios.parse(yaml).get(1).at("/spec/template/spec/nodeSelector/nvidia.com~1gpu.present")
                .isTextual()).isTrue();
    }

    private static String configHash(ManifestOptions o) {
        return find(ManifestGenerator.generate(o), Deployment.class).getSpec().getTemplate().getMetadata()
                .getAnnotations().get("kubeserve.io/config-sha256");
    }

    private static List<String> kinds(ManifestOptions o) {
        return ManifestGenerator.generate(o).stream().map(ManifestYaml::kindOf).toList();
    }

    private static <T> T find(List<KubernetesResource> docs, Class<T> type) {
        return docs.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    /** The server pod, as a PodSpec whether it comes from the Deployment or the KServe predictor. */
    private static PodSpec podSpec(ManifestOptions o) {
        List<KubernetesResource> docs = ManifestGenerator.generate(o);
        if (!o.kserve()) {
            return find(docs, Deployment.class).getSpec().getTemplate().getSpec();
        }
        var p = find(docs, InferenceService.class).spec().predictor();
        var runtime = find(docs, ServingRuntime.class);
        assertThat(p.model().runtime()).isEqualTo(runtime.metadata().getName());
        PodSpec pod = new PodSpec();
        pod.setSecurityContext(p.securityContext());
        pod.setTerminationGracePeriodSeconds(p.terminationGracePeriodSeconds());
        pod.setAffinity(p.affinity());
        pod.setNodeSelector(p.nodeSelector());
        pod.setTolerations(p.tolerations());
        // KServe merges the runtime's container and volumes into the predictor's pod.
        pod.setContainers(runtime.spec().containers());
        pod.setVolumes(runtime.spec().volumes());
        return pod;
    }

    private static List<Container> allContainers(PodSpec pod) {
        return java.util.stream.Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                .toList();
    }

    private static VolumeMount mountAt(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst().orElseThrow();
    }
}
