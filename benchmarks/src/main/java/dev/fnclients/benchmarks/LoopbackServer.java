package dev.fnclients.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * A loopback HTTP or HTTPS server on 127.0.0.1 and an ephemeral port, built on the JDK's
 * {@code com.sun.net.httpserver}: every request gets {@code 200 ok} (2 bytes, Content-Length set,
 * keep-alive). Four handler threads, so it is not the bottleneck of a single-threaded benchmark.
 *
 * <p>The server sets TCP_NODELAY on accepted sockets ({@code sun.net.httpserver.nodelay}), as real
 * front ends do, so any Nagle delay measured is the client's own.
 */
final class LoopbackServer implements AutoCloseable {
  static final byte[] BODY = "ok".getBytes(StandardCharsets.US_ASCII);

  static {
    // Read once, when the JDK server's configuration class loads; the forks also pass it as a flag.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpUrl url;

  private LoopbackServer(HttpServer server, ExecutorService executor, String scheme) {
    this.server = server;
    this.executor = executor;
    this.url = new HttpUrl.Builder()
        .scheme(scheme)
        .host("127.0.0.1")
        .port(server.getAddress().getPort())
        .addPathSegment("ok")
        .build();
  }

  /** Starts a plain HTTP server. */
  static LoopbackServer http() throws IOException {
    return start(HttpServer.create(bindAddress(), 128), "http");
  }

  /** Starts an HTTPS server presenting {@code tls}'s certificate. */
  static LoopbackServer https(LoopbackTls tls) throws IOException {
    HttpsServer server = HttpsServer.create(bindAddress(), 128);
    server.setHttpsConfigurator(new HttpsConfigurator(tls.server().sslContext()));
    return start(server, "https");
  }

  /** {@link #http()} or {@link #https(LoopbackTls)} by scheme; {@code tls} may be null for http. */
  static LoopbackServer start(String scheme, LoopbackTls tls) throws IOException {
    switch (scheme) {
      case "http":
        return http();
      case "https":
        return https(tls);
      default:
        throw new IllegalArgumentException("scheme " + scheme);
    }
  }

  private static InetSocketAddress bindAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static LoopbackServer start(HttpServer server, String scheme) {
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "loopback-server-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    LoopbackServer loopback = new LoopbackServer(server, executor, scheme);
    server.createContext("/", loopback::handle);
    server.setExecutor(executor);
    server.start();
    return loopback;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try (InputStream in = exchange.getRequestBody()) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(BODY);
      }
    }
  }

  /** {@code <scheme>://127.0.0.1:<port>/ok}. */
  HttpUrl url() {
    return url;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
