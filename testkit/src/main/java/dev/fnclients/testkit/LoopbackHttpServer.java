package dev.fnclients.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A loopback HTTP or HTTPS server (the JDK's {@code com.sun.net.httpserver}, four handler threads)
 * answering every request {@code 200 ok}, Content-Length set so connections stay alive, and
 * counting the requests. It sets TCP_NODELAY ({@code sun.net.httpserver.nodelay}, read when the
 * first server starts) as real front ends do: the JDK server writes headers and body apart, and
 * with Nagle on the body would wait for the client's delayed ACK (40 ms on Linux loopback). A Nagle
 * delay measured through it is the client's own.
 */
public final class LoopbackHttpServer implements AutoCloseable {
  private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);

  static {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final String scheme;
  private final AtomicInteger received = new AtomicInteger();
  private final ExecutorService executor;

  private LoopbackHttpServer(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "loopback-http-" + port() + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
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
      return new LoopbackHttpServer(HttpServer.create(address, 128), "http");
    }
    HttpsServer server = HttpsServer.create(address, 128);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new LoopbackHttpServer(server, "https");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      // A body left unread would spoil the connection.
      exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
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
    return scheme + "://127.0.0.1:" + port() + "/ok";
  }

  /** Requests received so far, counted before answering. */
  public int requestsReceived() {
    return received.get();
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

  private int port() {
    return server.getAddress().getPort();
  }
}
