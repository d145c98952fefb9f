package dev.fnclients.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A small HTTP/1.1 server on raw sockets, on loopback, for what WireMock cannot do: what the server
 * does on a connection after a response (close it with a FIN, reset it, send bytes nobody asked
 * for, a TLS close_notify) and holding a response until the test lets it go. Every request is
 * recorded with the connection it came on, so a test can count what reached the server.
 */
final class RawHttpServer implements Closeable {
  /** A request as the server read it, and when ({@link System#nanoTime()}) it had read it. */
  record Received(
      int connection,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      long nanoTime) {}

  /** What the server does with the connection once the handler has answered. */
  enum After {
    KEEP_OPEN,
    /** close(): a FIN, or for TLS a close_notify and a FIN. */
    CLOSE,
    /** SO_LINGER 0, then close(): an RST. */
    RESET
  }

  /** Answers one request, writing to {@code out}; returns what to do with the connection. */
  @FunctionalInterface
  interface Handler {
    After handle(Received request, Socket socket, OutputStream out)
        throws IOException, InterruptedException;
  }

  private final ServerSocket serverSocket;
  private final boolean tls;
  private final Handler handler;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger closedByServer = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean closed;

  private RawHttpServer(ServerSocket serverSocket, boolean tls, Handler handler) {
    this.serverSocket = serverSocket;
    this.tls = tls;
    this.handler = handler;
    this.acceptor = new Thread(this::acceptLoop, "raw-http-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A plain-HTTP server on 127.0.0.1. */
  static RawHttpServer start(Handler handler) throws IOException {
    return new RawHttpServer(
        new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), false, handler);
  }

  /** A TLS server on 127.0.0.1 with the key material of {@code context}. */
  static RawHttpServer startTls(SSLContext context, Handler handler) throws IOException {
    return new RawHttpServer(
        context
            .getServerSocketFactory()
            .createServerSocket(0, 50, InetAddress.getLoopbackAddress()),
        true,
        handler);
  }

  /** {@code http(s)://127.0.0.1:port} followed by {@code path}. */
  String url(String path) {
    return (tls ? "https" : "http") + "://127.0.0.1:" + serverSocket.getLocalPort() + path;
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  /** Every request received so far, in order. */
  List<Received> received() {
    return Collections.unmodifiableList(new ArrayList<>(received));
  }

  /** Requests received for {@code path}. */
  long count(String method, String path) {
    return received.stream()
        .filter(r -> r.method().equals(method) && r.path().equals(path))
        .count();
  }

  int acceptedConnections() {
    return accepted.get();
  }

  /**
   * Connections open now: accepted and not yet closed by either side (as far as the server has
   * noticed).
   */
  int openConnections() {
    return open.get();
  }

  /** The most connections that were open at once. */
  int maxOpenConnections() {
    return maxOpen.get();
  }

  /**
   * Waits, at most 10 s, until {@link #openConnections()} is {@code expected}; returns whether it
   * got there.
   */
  boolean awaitOpenConnections(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (open.get() != expected) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  /**
   * Waits, at most 10 s, until the server has closed (or reset) {@code count} connections itself.
   */
  void awaitClosedByServer(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (closedByServer.get() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "server closed " + closedByServer.get() + " connections, expected " + count);
      }
      Thread.sleep(1);
    }
  }

  /** Writes a complete response with a body and {@code Content-Length}. */
  static void respond(OutputStream out, int code, String body, String... headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder("HTTP/1.1 ").append(code).append(' ').append(reason(code)).append("\r\n");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
  }

  private static String reason(int code) {
    switch (code) {
      case 200:
        return "OK";
      case 302:
        return "Found";
      case 303:
        return "See Other";
      case 408:
        return "Request Timeout";
      case 429:
        return "Too Many Requests";
      case 503:
        return "Service Unavailable";
      default:
        return "Status";
    }
  }

  private void acceptLoop() {
    int id = 0;
    while (!closed) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      sockets.add(socket);
      int connection = ++id;
      Thread t = new Thread(() -> serve(socket, connection), "raw-http-" + connection);
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket socket, int connection) {
    After after = After.KEEP_OPEN;
    try {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (after == After.KEEP_OPEN) {
        Received request = read(in, connection);
        if (request == null) {
          return; // the client closed the connection
        }
        received.add(request);
        after = handler.handle(request, socket, out);
      }
    } catch (IOException | InterruptedException e) {
      // The client went away or the test closed the server.
    } finally {
      try {
        if (after == After.RESET) {
          socket.setSoLinger(true, 0);
        }
        socket.close();
      } catch (IOException e) {
        // closed either way
      }
      open.decrementAndGet();
      if (after != After.KEEP_OPEN) {
        closedByServer.incrementAndGet();
      }
    }
  }

  private static Received read(InputStream in, int connection) throws IOException {
    String requestLine = line(in);
    if (requestLine == null || requestLine.isEmpty()) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Received(
        connection,
        parts[0],
        parts[1],
        headers,
        new String(body, StandardCharsets.UTF_8),
        System.nanoTime());
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    serverSocket.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
