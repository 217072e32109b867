package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a newcomer does: start the server with the README's own command line, then run the README's
 * curl calls. Every one of them answers 200, and the seed API answers with iris as the README shows.
 */
class ReadmeCommandsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern CURL = Pattern.compile(
            "curl -s localhost:8080(\\S+) -H 'Content-Type: application/json' -d '([^']*)'");

    /** {@code `java -jar .../kubeserve-server.jar [command] --help`} and the like, in backquotes. */
    private static final Pattern HELP = Pattern.compile("`java -jar \\S*kubeserve-server\\.jar((?: [a-z]+)? --(?:help|version))`");

    @Test
    void theReadmesHelpCommandsWork() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher help = HELP.matcher(readme);
        List<String> commands = new ArrayList<>();
        while (help.find()) {
            commands.add(help.group(1).trim());
        }
        assertThat(commands).contains("serve --help", "manifests --help");
        for (String command : commands) {
            CliRun run = CliRun.run(Map.of(), command.split(" "));
            assertThat(run.status()).as(command + ": " + run.err()).isZero();
            assertThat(run.out()).as(command).contains(command.endsWith("--help") ? "Usage:" : "KubeServe");
        }
    }

    /**
     * The README's {@code manifests} command lines (a trailing backslash continues a line) run as
     * written, and the Deployment's model repository is a directory the images carry: the example's
     * path, copied there by the Dockerfile.
     */
    @Test
    void theReadmesManifestsCommandsWriteAPodThatFindsItsModels() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md")).replace("\\\n", " ");
        List<String> commands = readme.lines().map(String::trim)
                .filter(line -> line.startsWith("java -jar kubeserve-server/target/kubeserve-server.jar manifests "))
                .toList();
        assertThat(commands).hasSizeGreaterThanOrEqualTo(2);
        for (String command : commands) {
            String[] args = command.substring(command.indexOf(" manifests ") + 1).trim().split("\\s+");
            CliRun run = CliRun.run(Map.of(), args);
            assertThat(run.status()).as(command + ": " + run.err()).isZero();
            if (run.out().contains("kind: Deployment")) {
                Matcher repository = Pattern.compile("- --model-repository\\s+- (\\S+)").matcher(run.out());
                assertThat(repository.find()).as(run.out()).isTrue();
                assertThat(Files.readString(ROOT.resolve("examples/Dockerfile")))
                        .contains("COPY examples/models/iris " + repository.group(1) + "/iris");
            }
        }
    }

    @Test
    void theReadmesServerCommandServesItsCurlCalls() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String command = readme.lines().filter(line -> line.contains("java -jar kubeserve-server/target/kubeserve-server.jar"))
                .findFirst().orElseThrow();
        List<String> args = new ArrayList<>(Arrays.asList(
                command.substring(command.indexOf("kubeserve-server.jar") + "kubeserve-server.jar".length()).trim()
                        .split("\\s+")));
        int repository = args.indexOf("--model-repository");
        args.set(repository + 1, ROOT.resolve(args.get(repository + 1)).toString());
        // gRPC off: the command line's 8081 may be taken by a server the developer runs beside the tests
        ServerConfig config = CliRun.serve(Map.of(), args.toArray(String[]::new)).withGrpcPort(0);

        // the seed and V1 calls as written (the multi-line V2 call is EndpointsTest's)
        Matcher curl = CURL.matcher(readme);
        List<String[]> calls = new ArrayList<>();
        while (curl.find()) {
            if (!curl.group(1).equals("/predict") && !curl.group(1).startsWith("/v1/models/")) {
                continue;
            }
            calls.add(new String[] {curl.group(1), curl.group(2)});
        }
        assertThat(calls).extracting(call -> call[0]).contains("/predict", "/v1/models/iris:predict");

        try (RunningServer server = new RunningServer(config)) {
            for (String[] call : calls) {
                HttpResponse<String> response = server.post(call[0], call[1]);
                assertThat(response.statusCode()).as(call[0] + " " + call[1] + " -> " + response.body()).isEqualTo(200);
                JsonNode body = RunningServer.parse(response.body());
                if (call[1].contains("\"features\"")) {
                    assertThat(body.get("prediction").asInt()).isZero();
                    assertThat(body.get("class_name").asText()).isEqualTo("setosa");
                    assertThat(body.get("request_id").asText()).isEqualTo("r1");
                } else {
                    assertThat(body.get("predictions").get(0).asInt()).as(call[0]).isZero();
                }
            }
        }
    }
}
