package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;


import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drains: once it starts, readiness is 503 and new requests are refused, while a request
 * already being received is finished and answered correctly.
 */
class GracefulShutdownTest {

    @Test
    void aRequestInFlightFinishesWhileNewOnesAreRefused() throws Exception {
        RunningServer server = new RunningServer(ServerConfig.defaults(RunningServer.EXAMPLES));
        byte[] body = ("{\"inputs\": [{\"name\": \"float_input\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
                + " \"data\": [6.7, 3.0, 5.2, 2.3]}]}").getBytes(StandardCharsets.US_ASCII);
        int half = body.length / 2;
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, half);
            out.flush();
            // headers and half the body are in: a pause (not a wait for a state: none can be seen from
            // outside) so the server has read the headers and counts the request as in flight; if it has
            // not, the close below has nothing to wait for and the assertions on it fail
            TimeUnit.MILLISECONDS.sleep(300);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, closer);
            // the drain has begun once readiness says so
            await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/v2/health/ready").statusCode() == 503);
            // ... a new request is refused in our words, told to come back (elsewhere: the connection closes)
            java.net.http.HttpResponse<String> refused = server.get("/v2/models/iris");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(RunningServer.parse(refused.body()).path("error").asText()).contains("shutting down");
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            // ... and it waits for the request still being received
            assertThat(closing).isNotDone();

            out.write(body, half, body.length - half);
            out.flush();
            String response = readResponse(socket.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 200");
            assertThat(response).contains("\"virginica\"");
            closing.get(30, TimeUnit.SECONDS);
        } finally {
            closer.shutdownNow();
        }
    }

    private static String readResponse(InputStream in) throws Exception {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            int read = in.read(buffer);
            if (read < 0) {
                break;
            }
            text.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            int headerEnd = text.indexOf("\r\n\r\n");
            if (headerEnd > 0) {
                String headers = text.substring(0, headerEnd).toLowerCase(java.util.Locale.ROOT);
                int at = headers.indexOf("content-length: ");
                if (at >= 0) {
                    int length = Integer.parseInt(headers.substring(at + 16).split("\r\n")[0].trim());
                    if (text.length() >= headerEnd + 4 + length) {
                        break;
                    }
                }
            }
        }
        return text.toString();
    }
}
