package io.kubeserve.k8s;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code kubeserve manifests}: writes the Kubernetes YAML for one model, to stdout or one file per kind
 * into a directory. Plain argument parsing keeps this usable from the server jar without a CLI library.
 */
public final class ManifestsCommand {

    static final int OK = 0;
    static final int USAGE = 2;

    static final String HELP = """
            Usage: manifests --name NAME --image IMAGE [options]

            Writes the Kubernetes YAML that runs one KubeServe model server.

              --name NAME              workload name, a DNS-1035 label (required)
              --image IMAGE            server image (required)
              --namespace NS           target namespace (default: default)
              --replicas N             initial replicas (default: 2)
              --min-replicas N         autoscaler minimum (default: 2)
              --max-replicas N         autoscaler maximum (default: 10)
              --rps-per-pod N          also scale on N inference requests per second per pod
              --gpu N                  nvidia.com/gpu per pod; schedules onto GPU nodes (default: 0)
              --cpu REQUEST[:LIMIT]    CPU request and limit (default: 1:2)
              --memory REQUEST[:LIMIT] memory request and limit (default: 2Gi:2Gi)
              --port N                 server port (default: 8080)
              --model-uri LOCATION     /path/in/image (default /models), pvc://claim[/path] or s3://bucket/prefix
              --model-secret NAME      Secret with credentials for an s3:// model fetch
              --allow-namespace NS     namespace whose pods may call the server (repeatable)
              --ingress-namespace NS   ingress controller namespace (default: ingress-nginx)
              --monitoring-namespace NS  Prometheus namespace (default: monitoring)
              --prometheus URL         Prometheus address for KEDA
              --kserve                 emit a KServe InferenceService instead of Deployment/Service/HPA
              --canary PERCENT         KServe canary traffic percent (needs --kserve)
              --keda                   emit a KEDA ScaledObject instead of the HPA
              --ingress                emit an Ingress for any host
              --ingress-host HOST      emit an Ingress for HOST
              --ingress-class NAME     IngressClass (default: nginx)
              --config KEY=VALUE       extra KUBESERVE_* server setting (repeatable)
              --out DIR                write one file per kind into DIR instead of stdout
              --help                   print this help
            """;

    private ManifestsCommand() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != OK) {
            System.exit(code);
        }
    }

    /** Runs with errors going to standard error; returns the exit code. */
    public static int run(String[] args, PrintStream out) {
        return run(args, out, System.err);
    }

    /** Runs the command; returns 0 on success and 2 on bad arguments, after telling {@code err} why. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ParsedArgs parsed;
        try {
            parsed = ParsedArgs.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("manifests: " + e.getMessage());
            err.println("Run with --help for usage.");
            return USAGE;
        }
        if (parsed.help()) {
            out.print(HELP);
            return OK;
        }
        List<KubernetesResource> docs = ManifestGenerator.generate(parsed.options());
        if (parsed.outDir() == null) {
            out.print(ManifestGenerator.toYaml(docs));
        } else {
            for (Path file : writeFiles(docs, parsed.outDir())) {
                out.println("wrote " + file);
            }
        }
        return OK;
    }

    /** Writes each document to {@code dir/<kind>.yaml}, creating {@code dir}; returns the files in order. */
    public static List<Path> writeFiles(List<? extends KubernetesResource> docs, Path dir) {
        try {
            Files.createDirectories(dir);
            return docs.stream().map(doc -> {
                Path file = dir.resolve(ManifestYaml.fileName(doc));
                try {
                    Files.writeString(file, ManifestYaml.toYaml(doc), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return file;
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
