package io.kubeserve.k8s;

import java.nio.file.Path;
import java.util.Set;

/**
 * The manifests command's arguments, read into options. Option errors from the builder surface as
 * the same {@link IllegalArgumentException}s as flag errors, so the user sees one kind of message.
 *
 * @param help    {@code --help} was given; nothing else was read
 * @param options the validated options, null with help
 * @param outDir  directory for one file per kind; null for stdout
 */
record ParsedArgs(boolean help, ManifestOptions options, Path outDir) {

    private static final Set<String> VALUE_FLAGS = Set.of("--name", "--image", "--namespace", "--replicas",
            "--min-replicas", "--max-replicas", "--rps-per-pod", "--gpu", "--port", "--cpu", "--memory",
            "--model-uri", "--model-secret", "--allow-namespace", "--ingress-namespace", "--monitoring-namespace",
            "--prometheus", "--canary", "--ingress-host", "--ingress-class", "--config", "--out");

    static ParsedArgs parse(String[] args) {
        ManifestOptionsBuilder b = ManifestOptions.builder(null, null);
        ResourceSettings defaults = ResourceSettings.DEFAULT;
        String[] cpu = {defaults.cpuRequest(), defaults.cpuLimit()};
        String[] memory = {defaults.memoryRequest(), defaults.memoryLimit()};
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--help", "-h" -> {
                    return new ParsedArgs(true, null, null);
                }
                case "--kserve" -> b.kserve(true);
                case "--keda" -> b.keda(true);
                case "--ingress" -> b.ingress(true);
                default -> {
                    String value = valueOf(args, i++);
                    switch (flag) {
                        case "--name" -> b.name(value);
                        case "--image" -> b.image(value);
                        case "--namespace" -> b.namespace(value);
                        case "--replicas" -> b.replicas(number(flag, value));
                        case "--min-replicas" -> b.minReplicas(number(flag, value));
                        case "--max-replicas" -> b.maxReplicas(number(flag, value));
                        case "--rps-per-pod" -> b.requestsPerSecondPerPod(number(flag, value));
                        case "--gpu" -> b.gpus(number(flag, value));
                        case "--port" -> b.port(number(flag, value));
                        case "--cpu" -> cpu = requestAndLimit(value);
                        case "--memory" -> memory = requestAndLimit(value);
                        case "--model-uri" -> b.model(value);
                        case "--model-secret" -> b.modelCredentialsSecret(value);
                        case "--allow-namespace" -> b.allowNamespace(value);
                        case "--ingress-namespace" -> b.ingressControllerNamespace(value);
                        case "--monitoring-namespace" -> b.monitoringNamespace(value);
                        case "--prometheus" -> b.prometheusAddress(value);
                        case "--canary" -> b.canaryPercent(number(flag, value));
                        case "--ingress-host" -> b.ingressHost(value);
                        case "--ingress-class" -> b.ingressClassName(value);
                        case "--config" -> config(b, value);
                        case "--out" -> out = Path.of(value);
                        default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
                    }
                }
            }
        }
        b.resources(new ResourceSettings(cpu[0], cpu[1], memory[0], memory[1]));
        return new ParsedArgs(false, b.build(), out);
    }

    /** The value after the flag at {@code i}; flags never take values that look like flags. */
    private static String valueOf(String[] args, int i) {
        if (!args[i].startsWith("--")) {
            throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
        }
        if (!VALUE_FLAGS.contains(args[i])) {
            throw new IllegalArgumentException("unknown option '" + args[i] + "'");
        }
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new IllegalArgumentException(args[i] + " needs a value");
        }
        return args[i + 1];
    }

    private static int number(String flag, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a whole number, got '" + text + "'");
        }
    }

    /** {@code REQUEST} alone means the limit equals the request. */
    private static String[] requestAndLimit(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("expected REQUEST[:LIMIT], got '" + text + "'");
        }
        return new String[] {parts[0], parts.length == 2 ? parts[1] : parts[0]};
    }

    private static void config(ManifestOptionsBuilder b, String entry) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--config needs KEY=VALUE, got '" + entry + "'");
        }
        b.serverConfig(entry.substring(0, eq), entry.substring(eq + 1));
    }
}
