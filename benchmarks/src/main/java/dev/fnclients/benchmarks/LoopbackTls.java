package dev.fnclients.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A throwaway EC certificate for {@code 127.0.0.1} (okhttp-tls) and both sides of TLS on it: the
 * server's key material, and client trust that accepts exactly that certificate. Clients verify the
 * chain and the IP address for real; nothing here trusts all.
 *
 * @param server the server's side: its key manager and TLS context
 * @param client one client side, for clients built once (they may resume sessions)
 */
record LoopbackTls(
    HeldCertificate certificate, HandshakeCertificates server, HandshakeCertificates client) {
  private static final String PASSWORD = "fnclients-bench";

  static LoopbackTls create() {
    HeldCertificate certificate =
        new HeldCertificate.Builder()
            .commonName("127.0.0.1")
            .addSubjectAlternativeName("127.0.0.1")
            .duration(2, TimeUnit.DAYS)
            .build();
    HandshakeCertificates server =
        new HandshakeCertificates.Builder().heldCertificate(certificate).build();
    return new LoopbackTls(certificate, server, trusting(certificate));
  }

  /**
   * A brand-new trust manager and TLS context, as each default {@code new OkHttpClient()} or gRPC
   * channel builds its own: nothing, no session cache, is shared with another client.
   */
  HandshakeCertificates newClient() {
    return trusting(certificate);
  }

  /**
   * Makes the certificate the JVM's default trust ({@code javax.net.ssl.trustStore}), for clients
   * that take no trust manager, such as a gRPC channel FnClients builds over TLS. Call it before
   * the first such client builds its TLS context.
   */
  void installAsDefaultTrustStore() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("loopback", certificate.certificate());
    Path file = Files.createTempFile("fnclients-bench-trust", ".p12");
    file.toFile().deleteOnExit();
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, PASSWORD.toCharArray());
    }
    System.setProperty("javax.net.ssl.trustStore", file.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
  }

  private static HandshakeCertificates trusting(HeldCertificate certificate) {
    return new HandshakeCertificates.Builder()
        .addTrustedCertificate(certificate.certificate())
        .build();
  }
}
