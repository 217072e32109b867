package io.kubeserve.http.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Server {@link SSLContext}s from the two forms certificates come in on Kubernetes: a PEM
 * certificate chain with a PKCS#8 key (what cert-manager and {@code kubernetes.io/tls} Secrets
 * hold), or a PKCS12 keystore. Every failure says which file and what to do, because a server that
 * cannot start its TLS listener should say so at start, not at the first handshake.
 *
 * <p>Stateless and thread-safe. Files are read once, when called; a rotated certificate needs a
 * new context. The returned context is the caller's and holds no open file.
 */
public final class TlsContexts {

    private static final String ALIAS = "kubeserve";

    private TlsContexts() {
    }

    /**
     * From PEM files.
     *
     * @param certificateChain the server certificate first, then any intermediates
     * @param privateKey       an unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}), RSA or EC
     * @return an initialised TLS context serving that key and chain
     * @throws IllegalArgumentException naming the file, when a file cannot be read, holds no
     *         certificate or no usable key (encrypted, PKCS#1, neither RSA nor EC), or the key
     *         does not belong to the first certificate
     */
    public static SSLContext fromPem(Path certificateChain, Path privateKey) {
        PrivateKey key = privateKey(privateKey);
        List<X509Certificate> chain = certificates(certificateChain);
        checkPair(key, chain.get(0), certificateChain, privateKey);
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(new Certificate[0]));
            return context(store, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the TLS key and certificate: " + e.getMessage(), e);
        }
    }

    /**
     * From a PKCS12 keystore holding one private key entry and its chain.
     *
     * @param keystore the PKCS12 file
     * @param password its password, also the key's; not cleared or kept
     * @return an initialised TLS context serving the keystore's key
     * @throws IllegalArgumentException naming the file, when it cannot be read (not PKCS12, wrong
     *         password) or holds no private key entry
     */
    public static SSLContext fromPkcs12(Path keystore, char[] password) {
        KeyStore store;
        try (InputStream in = Files.newInputStream(keystore)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the TLS keystore " + keystore
                    + " (is it PKCS12, and is the password right?): " + e.getMessage(), e);
        }
        try {
            boolean hasKey = false;
            for (String alias : Collections.list(store.aliases())) {
                hasKey |= store.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new IllegalArgumentException("the TLS keystore " + keystore + " holds no private key entry");
            }
            return context(store, password);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the TLS keystore " + keystore + ": " + e.getMessage(), e);
        }
    }

    private static SSLContext context(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) certificate);
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("the TLS certificate file " + file + " holds no certificate");
            }
            return chain;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the TLS certificate " + file + ": " + e.getMessage(), e);
        }
    }

    static PrivateKey privateKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS key " + file + ": " + e.getMessage(), e);
        }
        if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
                || pem.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new IllegalArgumentException("the TLS key " + file + " is not an unencrypted PKCS#8 key;"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem");
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end, Math.max(from, 0));
        if (from < 0 || to < 0) {
            throw new IllegalArgumentException("the TLS key " + file + " has no '" + begin + "' block");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the TLS key " + file + " is not valid base64", e);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        // PKCS#8 names its algorithm inside; trying both is simpler than parsing that ASN.1 here
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException wrongAlgorithm) {
                // try the next
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalArgumentException("the TLS key " + file + " is neither an RSA nor an EC PKCS#8 key");
    }

    /** Signs with the key and verifies with the certificate, so a mixed-up pair fails here, not in every handshake. */
    private static void checkPair(PrivateKey key, X509Certificate certificate, Path certFile, Path keyFile) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "kubeserve".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's lands here too
        }
        throw new IllegalArgumentException("the TLS key " + keyFile + " does not belong to the first certificate in "
                + certFile);
    }
}
