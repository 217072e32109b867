package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;


import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression, found by {@link BadRequestFuzzTest}: an answer given without reading the body (a GET
 * route, 404, 405, 415) to a body over the entity limit said {@code Connection: keep-alive}, then
 * Undertow dropped the connection while draining; the client's next request on it failed with no
 * answer at all. Such answers must say {@code Connection: close}; small bodies keep the connection.
 */
class UnreadBodyConnectionTest {

    private static final int LIMIT = 64 * 1024;
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = new RunningServer(ServerConfig.defaults(RunningServer.EXAMPLES).withMaxBodyBytes(LIMIT));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anUnreadBodyOverTheLimitClosesTheConnectionAndSaysSo() throws Exception {
        for (String[] request : new String[][] {{"GET", "/v2", "application/json", "200"},
                {"POST", "/v2/models/iris/infer", "application/xml", "415"},
                {"PUT", "/v2/models/iris/infer", "application/json", "405"},
                {"POST", "/no/such/route", "application/json", "404"}}) {
            try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
                socket.setSoTimeout(30_000);
                byte[] body = new byte[2 * LIMIT];
                Arrays.fill(body, (byte) '[');
                // the server answers before the body is all sent, then stops reading: send it on the side
                Thread sender = new Thread(() -> send(socket, request, body));
                sender.setDaemon(true);
                sender.start();
                String head = readHead(socket.getInputStream()).toLowerCase(Locale.ROOT);
                assertThat(head).as(String.join(" ", request)).startsWith("http/1.1 " + request[3])
                        .contains("connection: close");
            }
        }
    }

    @Test
    void aSmallUnreadBodyKeepsTheConnection() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
            socket.setSoTimeout(30_000);
            send(socket, new String[] {"POST", "/v2/models/iris/infer", "application/xml"}, "<x/>".getBytes(StandardCharsets.UTF_8));
            String first = readHead(socket.getInputStream()).toLowerCase(Locale.ROOT);
            assertThat(first).startsWith("http/1.1 415").doesNotContain("connection: close");
            skipBody(socket.getInputStream(), first);
            send(socket, new String[] {"GET", "/v2/health/live", "application/json"}, new byte[0]);
            assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
        }
    }

    private static void send(Socket socket, String[] request, byte[] body) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write((request[0] + " " + request[1] + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + request[2]
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // expected for the large bodies: the server has answered and closed
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        int at = head.indexOf("content-length: ");
        int length = Integer.parseInt(head.substring(at + 16, head.indexOf('\r', at)).trim());
        in.readNBytes(length);
    }
}
