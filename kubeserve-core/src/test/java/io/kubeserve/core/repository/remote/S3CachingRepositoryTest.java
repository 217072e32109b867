package io.kubeserve.core.repository.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.spi.InferenceRequest;
import io.kubeserve.core.spi.InferenceResponse;
import io.kubeserve.core.KubeServe;
import io.kubeserve.core.error.KubeServeException;
import io.kubeserve.core.spi.ModelRepository;
import io.kubeserve.core.spi.ModelSource;
import io.kubeserve.core.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Against a real S3 server (S3Proxy over jclouds' in-memory store) on a loopback port, with
 * signed requests: the client configuration, listing, MD5 ETags, and a served prediction.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3CachingRepositoryTest {

    private static final String KEY_ID = "test-access-key";
    private static final String SECRET = "test-secret-key";

    private S3Proxy proxy;
    private BlobStoreContext blobs;
    private S3Client s3;
    private RemoteSettings settings;

    @BeforeAll
    void startServer() throws Exception {
        blobs = ContextBuilder.newBuilder("transient").credentials("unused", "unused").build(BlobStoreContext.class);
        proxy = S3Proxy.builder().blobStore(blobs.getBlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY_ID, SECRET)
                .endpoint(URI.create("http://127.0.0.1:0")).build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        settings = RemoteSettings.of(Map.of(
                "KUBESERVE_S3_ENDPOINT", "http://127.0.0.1:" + proxy.getPort(),
                "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", KEY_ID,
                "AWS_SECRET_ACCESS_KEY", SECRET,
                "KUBESERVE_MODEL_SYNC_INTERVAL", "0"));
        s3 = S3ModelStore.client(settings);
        s3.createBucket(b -> b.bucket("bucket"));
    }

    @AfterAll
    void stopServer() throws Exception {
        s3.close();
        proxy.stop();
        blobs.close();
    }

    private void upload(String key, String resource) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/models/" + resource)) {
            s3.putObject(b -> b.bucket("bucket").key(key), RequestBody.fromBytes(in.readAllBytes()));
        }
    }

    @Test
    void servesAModelFromS3AndSeesANewVersion(@TempDir Path cache) throws Exception {
        upload("repo/iris/1/model.onnx", "iris_logreg.onnx");
        s3.putObject(b -> b.bucket("bucket").key("repo/iris/labels.txt"),
                RequestBody.fromString("setosa\nversicolor\nvirginica\n"));

        ModelRepository repository = ModelRepositories.open("s3://bucket/repo", cache, null, settings);
        assertThat(repository).isInstanceOf(CachingModelRepository.class);
        try (KubeServe kubeServe = KubeServe.builder().repository(repository).build()) {
            InferenceRequest setosa = InferenceRequest.of("float_input",
                    Tensor.ofFloats(new long[] {1, 4}, 5.1f, 3.5f, 1.4f, 0.2f));
            InferenceResponse response = kubeServe.predict("iris", setosa);
            assertThat(response.output("class_name").toStringArray()).containsExactly("setosa");
            assertThat(response.modelVersion()).isEqualTo("1");

            // uploaded while serving: the next refresh (what poll mode runs) loads it and switches
            upload("repo/iris/2/model.onnx", "iris_rf.onnx");
            // only the new object is downloaded; the rest match by size and ETag
            SyncResult sync = ((CachingModelRepository) repository).sync();
            assertThat(sync.fetched()).isEqualTo(1);
            assertThat(sync.unchanged()).isEqualTo(2);
            kubeServe.registry().refresh();
            InferenceResponse after = kubeServe.predict("iris", setosa);
            assertThat(after.modelVersion()).isEqualTo("2");
            assertThat(after.output("class_name").toStringArray()).containsExactly("setosa");
        }
        assertThat(repository.versions("iris")).extracting(ModelSource::version).containsExactly("2", "1");
        byte[] rf;
        try (InputStream in = getClass().getResourceAsStream("/models/iris_rf.onnx")) {
            rf = in.readAllBytes();
        }
        assertThat(Files.readAllBytes(repository.versions("iris").get(0).modelFile())).isEqualTo(rf);
    }

    @Test
    void unreachableEndpointFailsTheFirstSyncNamingTheUri(@TempDir Path cache) throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RemoteSettings nowhere = settings.with("KUBESERVE_S3_ENDPOINT", "http://127.0.0.1:" + closedPort);
        ModelRepository repository = ModelRepositories.open("s3://bucket/repo", cache, null, nowhere);
        assertThatThrownBy(repository::modelNames).isInstanceOf(KubeServeException.class)
                .hasMessageContaining("s3://bucket/repo/");
    }

    @Test
    void wrongCredentialsAreReported(@TempDir Path cache) {
        ModelRepository repository = ModelRepositories.open("s3://bucket/repo", cache, null,
                settings.with("AWS_SECRET_ACCESS_KEY", "wrong"));
        assertThatThrownBy(repository::modelNames).isInstanceOf(KubeServeException.class)
                .hasMessageContaining("s3://bucket/repo/");
        assertThat(cache.resolve("iris")).doesNotExist();
    }
}
