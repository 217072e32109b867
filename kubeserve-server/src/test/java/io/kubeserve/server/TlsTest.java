package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with HTTP/2 from a PKCS12 keystore (made with keytool) and from PEM files (made with
 * openssl, when it is installed), called by a client that trusts only that certificate.
 */
class TlsTest {

    @TempDir
    Path dir;

    @Test
    void servesHttp2OverTlsFromAPkcs12Keystore() throws Exception {
        Path keystore = dir.resolve("server.p12");
        TestTools.run(dir, List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "kubeserve", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "test-password",
                "-keypass", "test-password"));
        Path password = Files.writeString(dir.resolve("password"), "test-password\n");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "test-password".toCharArray());
        }
        assertServesHttp2(SecurityConfig.defaults().withKeystoreTls(keystore, password),
                store.getCertificate("kubeserve"));
    }

    @Test
    void servesHttp2OverTlsFromPemFiles() throws Exception {
        assumeTrue(TestTools.onPath("openssl"), "openssl is not installed");
        // an EC key, PKCS#8 as openssl 3 writes it by default
        TestTools.PemPair pem = TestTools.selfSignedPem(dir, "server");
        Path cert = pem.cert();
        Path key = pem.key();
        assumeTrue(Files.readString(key).contains("BEGIN PRIVATE KEY"), "this openssl does not write PKCS#8");
        Certificate certificate;
        try (InputStream in = Files.newInputStream(cert)) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertServesHttp2(SecurityConfig.defaults().withPemTls(cert, key), certificate);
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtStart() throws Exception {
        assumeTrue(TestTools.onPath("openssl"), "openssl is not installed");
        TestTools.PemPair a = TestTools.selfSignedPem(dir, "a");
        TestTools.PemPair b = TestTools.selfSignedPem(dir, "b");
        ServerConfig config = ServerConfig.defaults(RunningServer.irisOnly(dir.resolve("repo"))).withHost("127.0.0.1")
                .withPort(0).withSecurity(SecurityConfig.defaults().withPemTls(a.cert(), b.key()));
        assertThatThrownBy(() -> KubeServeServer.start(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong to the first certificate");
    }

    @Test
    void keysThatAreNotPkcs8AreRefusedWithTheConversionCommand() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"
                + "-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> io.kubeserve.http.tls.TlsContexts.fromPem(cert, key))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key.pem")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThatThrownBy(() -> SecurityConfig.defaults().withKeystoreTls(dir.resolve("missing.p12"), null)
                .sslContext()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.p12");
    }

    private void assertServesHttp2(SecurityConfig security, Certificate trusted) throws Exception {
        ServerConfig config = ServerConfig.defaults(RunningServer.irisOnly(dir.resolve("repo"))).withHost("127.0.0.1")
                .withPort(0).withSecurity(security);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", trusted);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (KubeServeServer server = KubeServeServer.start(config)) {
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/v2/models/iris/infer");
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(AuthenticationTest.IRIS)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(RunningServer.parse(response.body()).at("/outputs/2/data/0").asText()).isEqualTo("setosa");
            assertThat(response.headers().firstValue("Server")).isEmpty();
            assertThat(response.headers().firstValue("X-Request-ID")).isPresent();

            // plain HTTP to the TLS port gets no answer a client could take for the API's
            HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/v2/health/ready")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class);
        }
    }
}
