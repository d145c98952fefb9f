package dev.fnclients.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Loopback echo server that records what each connection received, so tests can prove bytes never
 * reached the upstream: once a connection has seen EOF, its record is final.
 */
final class EchoServer implements AutoCloseable {

  /** What one upstream connection saw. */
  static final class Conn {
    final Socket socket;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CountDownLatch ended = new CountDownLatch(1);

    Conn(Socket socket) {
      this.socket = socket;
    }

    String received() {
      synchronized (received) {
        return received.toString(StandardCharsets.UTF_8);
      }
    }

    boolean awaitEnd(Duration timeout) throws InterruptedException {
      return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private final ServerSocket server;
  private final List<Conn> conns = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  EchoServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    acceptor = new Thread(this::acceptLoop, "echo-server-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", server.getLocalPort());
  }

  List<Conn> connections() {
    return conns;
  }

  private void acceptLoop() {
    while (true) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return;
      }
      Conn conn = new Conn(socket);
      conns.add(conn);
      Thread handler = new Thread(() -> echo(conn), "echo-server-conn");
      handler.setDaemon(true);
      handler.start();
    }
  }

  private static void echo(Conn conn) {
    byte[] buffer = new byte[8192];
    try (Socket socket = conn.socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        synchronized (conn.received) {
          conn.received.write(buffer, 0, n);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // A reset is also an end; the test only cares that nothing more can arrive.
    } finally {
      conn.ended.countDown();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Conn conn : conns) {
      conn.socket.close();
    }
  }
}
