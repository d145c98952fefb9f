package dev.fnclients.benchmarks;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A throwaway certificate for {@code 127.0.0.1}, the server's side of TLS on it and one client side
 * for clients built once (they may resume sessions); clients verify it for real.
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
    return new LoopbackTls(certificate, server, newClient(certificate));
  }

  /** A client side of its own, as each default client builds one: no session cache shared. */
  HandshakeCertificates newClient() {
    return newClient(certificate);
  }

  private static HandshakeCertificates newClient(HeldCertificate certificate) {
    return new HandshakeCertificates.Builder()
        .addTrustedCertificate(certificate.certificate())
        .build();
  }

  /** Makes the certificate the JVM's default trust, for FnClients' gRPC channel. */
  void installAsDefaultTrustStore() throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType()); // as read
    store.load(null, null);
    store.setCertificateEntry("loopback", certificate.certificate());
    Path file = Files.createTempFile("fnclients-bench-trust", ".keystore");
    file.toFile().deleteOnExit();
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, PASSWORD.toCharArray());
    }
    System.setProperty("javax.net.ssl.trustStore", file.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
  }
}
