package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The server takes a remote location for --model-repository, mirrors it, and serves from the mirror. */
class RemoteRepositoryServerTest {

    @Test
    void servesAModelFileFromAnHttpUrl() throws Exception {
        byte[] model = Files.readAllBytes(RunningServer.EXAMPLES.resolve("iris/1/model.onnx"));
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/models/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/models/flowers.onnx")) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().add("ETag", "\"v1\"");
            exchange.sendResponseHeaders(200, model.length);
            exchange.getResponseBody().write(model);
            exchange.close();
        });
        origin.start();
        try (RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.EXAMPLES).toBuilder()
                .modelRepository("http://127.0.0.1:" + origin.getAddress().getPort() + "/models/flowers.onnx").build())) {
            HttpResponse<String> response = server.post("/v2/models/flowers/infer", "{\"inputs\": [{\"name\":"
                    + " \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [6.7, 3.0, 5.2, 2.3]}]}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(RunningServer.parse(response.body()).get("outputs").get(0).get("data").get(0).asInt()).isEqualTo(2);
        } finally {
            origin.stop(0);
        }
    }
}
