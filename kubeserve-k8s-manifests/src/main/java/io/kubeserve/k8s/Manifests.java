package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Names, metadata and server configuration that several kinds refer to. */
final class Manifests {

    /** Where KServe's storage initializer puts the model of an InferenceService. */
    static final String KSERVE_MODEL_PATH = "/mnt/models";
    /** The server drains in-flight requests this long after SIGTERM; see the grace period. */
    static final int DRAIN_SECONDS = 20;
    /**
     * The server's gRPC connection age ({@code KUBESERVE_GRPC_MAX_CONNECTION_AGE}), in seconds. A
     * Service's proxy picks a pod per TCP connection, and a gRPC client keeps one connection for all
     * its calls: without an age, pods the autoscaler adds get no calls from clients already
     * connected. With it, each client connects again about once a minute (GOAWAY: new calls go on
     * the new connection, the calls and streams open on the old one run to their end), so a new pod
     * gets its share within about a minute of being ready, for one handshake a minute per client.
     * The options' server config overrides it.
     */
    static final int GRPC_MAX_CONNECTION_AGE_SECONDS = 60;
    /**
     * How long a gRPC connection may be silent before the server pings it
     * ({@code KUBESERVE_GRPC_KEEPALIVE_TIME}), in seconds; gRPC's own default is 2 h. An aged
     * connection stays open while a {@code ModelStreamInfer} stream runs on it, and a client that
     * vanished (its node died) never ends that stream: the ping finds it within a minute and 20 s
     * instead of 2 h, when the client's connection reaches the pod (a proxy that ends HTTP/2 on the
     * way answers for it). A ping a minute also keeps a quiet connection through load balancers and
     * NATs that drop flows silent for a few minutes. Clients answer pings without counting them.
     * The options' server config overrides it.
     */
    static final int GRPC_KEEPALIVE_SECONDS = 60;

    private Manifests() {
    }

    static ObjectMeta metadata(ManifestOptions o, String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(o.namespace()).withLabels(Labels.common(o))
                .build();
    }

    static String configMapName(ManifestOptions o) {
        return o.name() + "-config";
    }

    /** Directory the server reads models from, as the pod sees it. */
    static String modelRepository(ManifestOptions o) {
        if (o.kserve() && o.model().needsVolume()) {
            return KSERVE_MODEL_PATH;
        }
        return o.model().serverPath();
    }

    /** The server's configuration, passed as environment through envFrom. */
    static Map<String, String> serverConfig(ManifestOptions o) {
        Map<String, String> data = new TreeMap<>();
        data.put("KUBESERVE_MODEL_NAME", o.name());
        data.put("KUBESERVE_MODEL_REPOSITORY", modelRepository(o));
        data.put("KUBESERVE_PORT", Integer.toString(o.port()));
        data.put("KUBESERVE_GRPC_PORT", Integer.toString(o.grpcPort()));
        data.put("KUBESERVE_DRAIN_TIMEOUT", Integer.toString(DRAIN_SECONDS));
        if (o.grpc()) {
            data.put("KUBESERVE_GRPC_MAX_CONNECTION_AGE", Integer.toString(GRPC_MAX_CONNECTION_AGE_SECONDS));
            data.put("KUBESERVE_GRPC_KEEPALIVE_TIME", Integer.toString(GRPC_KEEPALIVE_SECONDS));
        }
        data.put("KUBESERVE_LOG_FORMAT", "json");
        data.putAll(o.serverConfig());
        return data;
    }

    /**
     * The settings a ClusterServingRuntime's container gets inline: those of {@link #serverConfig} that
     * do not name one model (its name and repository come as arguments from each InferenceService).
     */
    static Map<String, String> runtimeConfig(ManifestOptions o) {
        Map<String, String> data = new TreeMap<>(serverConfig(o));
        data.remove("KUBESERVE_MODEL_NAME");
        data.put("KUBESERVE_MODEL_REPOSITORY", KSERVE_MODEL_PATH);
        return data;
    }

    /**
     * Pods read envFrom only at start, so a changed ConfigMap alone changes nothing; putting its hash
     * on the pod template makes a config change roll the pods.
     */
    static String configHash(Map<String, String> data) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(data).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
