/**
 * TLS for the standalone server: the {@link javax.net.ssl.SSLContext} from a PEM certificate and
 * key or a PKCS12 keystore, built with the JDK's own APIs only.
 */
package io.kubeserve.http.tls;
