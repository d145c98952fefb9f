package dev.fnclients.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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

/**
 * A loopback HTTP/1.1 server (the JDK's {@link HttpServer}) that answers every request with
 * {@code 200 ok}, keeps connections alive, and counts the requests it received.
 */
final class CountingHttpServer implements AutoCloseable {
  private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);
  private static final AtomicInteger SERVER_IDS = new AtomicInteger();

  static {
    // The JDK server writes headers and body separately; with Nagle's algorithm on, the body then
    // waits for the client's delayed ACK, about 40 ms on Linux loopback, which would hide every
    // difference this demo measures. Read once, when the first server is created.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger received = new AtomicInteger();

  private CountingHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts a server on an ephemeral loopback port with a small thread pool. */
  static CountingHttpServer start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    int id = SERVER_IDS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "demo-server-" + id + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    CountingHttpServer counting = new CountingHttpServer(server, executor);
    server.createContext("/", counting::handle);
    server.setExecutor(executor);
    server.start();
    return counting;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      try (InputStream body = exchange.getRequestBody()) {
        body.readAllBytes(); // a request body left unread would make the connection unusable
      }
      received.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=us-ascii");
      exchange.sendResponseHeaders(200, OK.length); // a fixed length keeps the connection alive
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(OK);
      }
    } finally {
      exchange.close();
    }
  }

  /** The address the server listens on. */
  InetSocketAddress address() {
    return server.getAddress();
  }

  /** Requests received so far (counted once the request body was read, before answering). */
  int requestsReceived() {
    return received.get();
  }

  /** Stops the server at once and ends its threads. */
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
