package dev.fnclients.testkit;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A loopback HTTP or HTTPS server answering every request {@code 200 ok} and counting them, with
 * TCP_NODELAY (see the testkit README).
 */
public final class LoopbackHttpServer implements AutoCloseable {
  private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);

  static {
    // Read when the first server starts.
    System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final AtomicInteger received = new AtomicInteger();
  private final ExecutorService executor;

  private LoopbackHttpServer(HttpServer server) {
    this.server = server;
    this.executor =
        Executors.newFixedThreadPool(
            4,
            new ThreadFactoryBuilder()
                .setNameFormat("loopback-http-" + port() + "-%d")
                .setDaemon(true)
                .build());
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  public static LoopbackHttpServer start() throws IOException {
    return start(null);
  }

  /** An HTTPS server presenting {@code tls}'s certificate, or plain HTTP if it is null. */
  public static LoopbackHttpServer start(SSLContext tls) throws IOException {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls == null) {
      return new LoopbackHttpServer(HttpServer.create(address, 128));
    }
    HttpsServer server = HttpsServer.create(address, 128);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new LoopbackHttpServer(server);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes(); // a body left unread would spoil the connection
      received.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, OK.length);
      exchange.getResponseBody().write(OK);
    }
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://127.0.0.1:PORT/ok}, or {@code https://...}. */
  public String url() {
    return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + port() + "/ok";
  }

  /** Requests received so far, counted before answering. */
  public int requestsReceived() {
    return received.get();
  }

  @Override
  public void close() {
    server.stop(0);
    MoreExecutors.shutdownAndAwaitTermination(executor, Duration.ofSeconds(5));
  }

  private int port() {
    return server.getAddress().getPort();
  }
}
