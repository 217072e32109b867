package io.kubeserve.core.repository.remote;

import io.kubeserve.core.error.KubeServeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 bucket prefix ({@code s3://bucket/prefix}) on AWS or any S3-compatible server. Uses the
 * SDK's synchronous client over the JDK's {@code HttpURLConnection}: a model sync is a handful of
 * sequential downloads, which needs neither Netty nor a connection pool.
 */
public final class S3ModelStore implements ModelStore {

    /** A single-part upload's ETag is the content's MD5; a multipart one ends in {@code -N}. */
    private static final Pattern MD5_ETAG = Pattern.compile("[0-9a-f]{32}");

    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final boolean verifyMd5;

    /**
     * @param client    the client to use (closed with this store)
     * @param bucket    bucket name
     * @param prefix    key prefix, empty for the whole bucket; a trailing {@code /} is added
     * @param verifyMd5 treat 32-hex-digit ETags as the content's MD5
     */
    public S3ModelStore(S3Client client, String bucket, String prefix, boolean verifyMd5) {
        this.client = client;
        this.bucket = bucket;
        String trimmed = prefix.replaceAll("^/+|/+$", "");
        this.prefix = trimmed.isEmpty() ? "" : trimmed + "/";
        this.verifyMd5 = verifyMd5;
    }

    /**
     * A store for {@code s3://bucket/prefix}, with a client configured from the settings. Nothing
     * is sent to the server yet.
     *
     * @param uri      {@code s3://bucket} or {@code s3://bucket/prefix}
     * @param settings endpoint, region, credentials and MD5 checking
     * @return the store, owned by the caller; closing it closes its client
     * @throws KubeServeException {@code INVALID_INPUT} if the URI names no bucket or a setting is malformed
     */
    public static S3ModelStore create(URI uri, RemoteSettings settings) {
        String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        if (bucket == null || bucket.isBlank()) {
            throw KubeServeException.invalidInput("model store URI '" + uri + "' has no bucket (expected s3://bucket/prefix)");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        return new S3ModelStore(client(settings), bucket, path, settings.verifyMd5());
    }

    /**
     * The S3 client the settings describe (see {@link RemoteSettings}): JDK HTTP connections with a
     * 10 s connect and 60 s read timeout, checksums only where the S3 API requires them.
     *
     * @param settings endpoint, region, path style and credentials
     * @return a new client, thread-safe, owned by the caller, who must close it
     * @throws KubeServeException {@code INVALID_INPUT} if a flag setting is malformed
     */
    public static S3Client client(RemoteSettings settings) {
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .region(region(settings))
                .credentialsProvider(credentials(settings))
                .forcePathStyle(settings.pathStyle())
                // S3-compatible servers differ in which flexible checksums they know; we check
                // size and MD5 ourselves, so send and expect only what the API requires
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.s3Endpoint() != null) {
            builder.endpointOverride(URI.create(settings.s3Endpoint()));
        }
        return builder.build();
    }

    private static Region region(RemoteSettings settings) {
        if (settings.region() != null) {
            return Region.of(settings.region());
        }
        if (settings.s3Endpoint() == null) {
            try {
                return new DefaultAwsRegionProviderChain().getRegion();
            } catch (SdkException e) {
                // no region configured anywhere: the bucket's own region is found through redirects
            }
        }
        return Region.US_EAST_1;
    }

    private static AwsCredentialsProvider credentials(RemoteSettings settings) {
        if (settings.anonymous()) {
            return AnonymousCredentialsProvider.create();
        }
        String id = settings.get("AWS_ACCESS_KEY_ID");
        String secret = settings.get("AWS_SECRET_ACCESS_KEY");
        if (id != null && secret != null) {
            String token = settings.get("AWS_SESSION_TOKEN");
            return StaticCredentialsProvider.create(token == null ? AwsBasicCredentials.create(id, secret)
                    : AwsSessionCredentials.create(id, secret, token));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    @Override
    public List<StoreObject> list() throws IOException {
        List<StoreObject> objects = new ArrayList<>();
        try {
            ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
            for (S3Object object : client.listObjectsV2Paginator(request).contents()) {
                String key = object.key().substring(prefix.length());
                if (key.isEmpty() || key.endsWith("/")) {
                    continue; // "folder" markers some consoles create
                }
                String etag = unquote(object.eTag());
                String md5 = verifyMd5 && etag != null && MD5_ETAG.matcher(etag.toLowerCase(Locale.ROOT)).matches()
                        ? etag.toLowerCase(Locale.ROOT) : null;
                objects.add(new StoreObject(key, object.size() == null ? -1 : object.size(), etag, md5));
            }
        } catch (SdkException e) {
            throw new IOException("cannot list " + uri() + ": " + e.getMessage(), e);
        }
        return objects;
    }

    @Override
    public InputStream open(StoreObject object) throws IOException {
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(prefix + object.key());
        if (object.etag() != null) {
            // an object replaced between listing and download fails here rather than mixing versions
            request.ifMatch('"' + object.etag() + '"');
        }
        try {
            return client.getObject(request.build());
        } catch (SdkException e) {
            throw new IOException("cannot download " + uri() + object.key() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String uri() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public String defaultModelName() {
        String trimmed = prefix.replaceAll("/+$", "");
        return trimmed.isEmpty() ? bucket : trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        client.close();
    }

    private static String unquote(String etag) {
        return etag == null ? null : etag.replace("\"", "");
    }
}
