package dev.fnclients.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A throwaway self-signed certificate for {@code 127.0.0.1}, made with the running JDK's
 * {@code keytool} (no external tools, no test-only crypto library), and the two sides of TLS built
 * on it: the server's key material and a client trust manager that trusts exactly that one
 * certificate. Clients verify the chain and the IP SAN for real; nothing here trusts all.
 */
final class SelfSignedTls {
  private static final char[] PASSWORD = "fnclients-bench".toCharArray();
  private static final String ALIAS = "loopback";

  private final KeyStore clientTrust;
  private final SSLContext serverContext;
  private final SSLContext clientContext;
  private final X509TrustManager trustManager;
  private final KeyManager[] keyManagers;

  private SelfSignedTls(KeyStore serverKeys) throws GeneralSecurityException {
    Certificate certificate = serverKeys.getCertificate(ALIAS);
    this.clientTrust = KeyStore.getInstance("PKCS12");
    try {
      clientTrust.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    clientTrust.setCertificateEntry(ALIAS, certificate);

    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(serverKeys, PASSWORD);
    this.keyManagers = kmf.getKeyManagers();
    this.serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);

    this.trustManager = newTrustManager();
    this.clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, new TrustManager[] {trustManager}, null);
  }

  /** Generates a fresh key pair and certificate (SAN ip:127.0.0.1) in a temporary directory. */
  static SelfSignedTls generate() throws IOException, InterruptedException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("fnclients-bench-tls");
    try {
      Path keystore = dir.resolve("loopback.p12");
      List<String> command = new ArrayList<>(List.of(
          keytool(), "-genkeypair",
          "-alias", ALIAS,
          "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
          "-dname", "CN=127.0.0.1",
          "-ext", "SAN=ip:127.0.0.1",
          "-validity", "2",
          "-storetype", "PKCS12",
          "-keystore", keystore.toString(),
          "-storepass", new String(PASSWORD),
          "-keypass", new String(PASSWORD),
          "-noprompt"));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("keytool did not finish in 60 s");
      }
      if (process.exitValue() != 0 || !Files.exists(keystore)) {
        throw new IOException("keytool failed (exit " + process.exitValue() + "): " + output);
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        keys.load(in, PASSWORD);
      }
      return new SelfSignedTls(keys);
    } finally {
      deleteRecursively(dir);
    }
  }

  /** The server's TLS context, holding the private key. */
  SSLContext serverContext() {
    return serverContext;
  }

  /** The server's key managers (for servers that take those rather than an SSLContext, e.g. gRPC's). */
  KeyManager[] keyManagers() {
    return keyManagers.clone();
  }

  /**
   * Makes the generated certificate the JVM's default trust ({@code javax.net.ssl.trustStore}), for
   * clients that offer no way to pass a trust manager, such as a gRPC channel built by FnClients
   * over TLS. Call it before the first such client builds its TLS context.
   */
  void installAsDefaultTrustStore() throws IOException, GeneralSecurityException {
    Path file = Files.createTempFile("fnclients-bench-trust", ".p12");
    file.toFile().deleteOnExit();
    try (java.io.OutputStream out = Files.newOutputStream(file)) {
      clientTrust.store(out, PASSWORD);
    }
    System.setProperty("javax.net.ssl.trustStore", file.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", new String(PASSWORD));
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
  }

  /** One client TLS context, shared by clients that are built once (so they may resume sessions). */
  SSLContext clientContext() {
    return clientContext;
  }

  /** The trust manager behind {@link #clientContext()}: trusts only the generated certificate. */
  X509TrustManager trustManager() {
    return trustManager;
  }

  /**
   * A new trust manager over the one-certificate trust store, built the way OkHttp builds its
   * platform trust manager for every default client ({@code TrustManagerFactory.init}).
   */
  X509TrustManager newTrustManager() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(clientTrust);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager) {
        return (X509TrustManager) tm;
      }
    }
    throw new GeneralSecurityException("no X509TrustManager from " + tmf.getAlgorithm());
  }

  /**
   * A brand-new client TLS context and trust manager, as each default {@code new OkHttpClient()}
   * makes for itself: nothing (no session cache) is shared with any other client.
   */
  ClientTls newClientTls() throws GeneralSecurityException {
    X509TrustManager tm = newTrustManager();
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {tm}, null);
    return new ClientTls(context, tm);
  }

  /** A client TLS context and the trust manager it was built with. */
  static final class ClientTls {
    final SSLContext context;
    final X509TrustManager trustManager;

    ClientTls(SSLContext context, X509TrustManager trustManager) {
      this.context = context;
      this.trustManager = trustManager;
    }
  }

  private static String keytool() {
    String exe = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")
        ? "keytool.exe" : "keytool";
    Path fromJavaHome = Path.of(System.getProperty("java.home"), "bin", exe);
    if (Files.isExecutable(fromJavaHome)) {
      return fromJavaHome.toString();
    }
    // The running java command's sibling, e.g. when java.home points into a JRE image.
    Path fromCommand = ProcessHandle.current().info().command()
        .map(c -> Path.of(c).resolveSibling(exe))
        .filter(Files::isExecutable)
        .orElse(null);
    return fromCommand != null ? fromCommand.toString() : exe; // last resort: the PATH
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp directory left behind is harmless.
    }
  }
}
