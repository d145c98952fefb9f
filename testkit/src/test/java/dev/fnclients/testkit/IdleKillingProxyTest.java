package dev.fnclients.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdleKillingProxyTest {

  /** Short enough to keep the suite fast, long enough that an active connection never trips it. */
  private static final Duration SHORT_LIMIT = Duration.ofMillis(250);

  /** Sleeping past the limit is the injected fault, not a measurement. */
  private static final long IDLE_GAP_MILLIS = 600;

  /** Upper bound for things that should be near-instant; generous for a loaded 2-core box. */
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private static final int CLIENT_READ_TIMEOUT_MILLIS = 10_000;

  private EchoServer echo;
  private final List<Socket> clients = new ArrayList<>();
  private final List<IdleKillingProxy> proxies = new ArrayList<>();

  @BeforeEach
  void startEchoServer() throws IOException {
    echo = new EchoServer();
  }

  @AfterEach
  void closeEverything() throws IOException {
    for (Socket client : clients) {
      client.close();
    }
    for (IdleKillingProxy proxy : proxies) {
      proxy.close();
    }
    echo.close();
  }

  @Test
  void bytesAreForwardedInBothDirections() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address()));
    Socket client = connect(proxy);

    assertThat(roundTrip(client, "hello")).isEqualTo("hello");

    // Larger than one proxy buffer, written concurrently so neither side's buffers can deadlock.
    byte[] payload = new byte[200_000];
    new Random(42).nextBytes(payload);
    Thread writer =
        new Thread(
            () -> {
              try {
                client.getOutputStream().write(payload);
              } catch (IOException ignored) {
                // The read below fails loudly if the write did not complete.
              }
            });
    writer.start();
    byte[] echoed = client.getInputStream().readNBytes(payload.length);
    writer.join();

    assertThat(echoed).isEqualTo(payload);
    assertThat(proxy.forwardedBytes()).isEqualTo(5 + payload.length);
    assertThat(proxy.acceptedConnections()).isEqualTo(1);
    assertThat(echo.connections()).hasSize(1);
    assertThat(proxy.killedConnections()).isZero();
  }

  @Test
  void resetModeSendsRstWhenIdleConnectionIsReused() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address(), SHORT_LIMIT, Mode.RESET));
    Socket client = connect(proxy);
    assertThat(roundTrip(client, "ping")).isEqualTo("ping");

    Thread.sleep(IDLE_GAP_MILLIS);
    write(client, "late");

    assertThatThrownBy(() -> client.getInputStream().read())
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("reset");
    EchoServer.Conn upstream = echo.connections().get(0);
    assertThat(upstream.awaitEnd(PATIENCE)).as("upstream connection closed").isTrue();
    assertThat(upstream.received()).isEqualTo("ping");
    assertThat(proxy.killedConnections()).isEqualTo(1);
    assertThat(proxy.forwardedBytes()).isEqualTo(4);
    assertThat(proxy.awaitOpenConnections(0, PATIENCE)).isTrue();
  }

  @Test
  void dropModeSwallowsBytesAndNeverAnswersIdleConnection() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address(), SHORT_LIMIT, Mode.DROP));
    Socket client = connect(proxy);
    assertThat(roundTrip(client, "ping")).isEqualTo("ping");

    Thread.sleep(IDLE_GAP_MILLIS);
    write(client, "late");
    client.setSoTimeout(500);

    assertThatThrownBy(() -> client.getInputStream().read())
        .isInstanceOf(SocketTimeoutException.class);
    EchoServer.Conn upstream = echo.connections().get(0);
    assertThat(upstream.awaitEnd(PATIENCE)).as("upstream connection closed").isTrue();
    assertThat(upstream.received()).isEqualTo("ping");
    assertThat(proxy.killedConnections()).isEqualTo(1);
    // The client still holds a socket the proxy has not closed, exactly like a silent NAT drop.
    assertThat(proxy.openConnections()).isEqualTo(1);
    assertThat(client.isClosed()).isFalse();
  }

  @Test
  void droppedConnectionIsReleasedWhenClientClosesIt() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address(), SHORT_LIMIT, Mode.DROP));
    Socket client = connect(proxy);
    assertThat(roundTrip(client, "ping")).isEqualTo("ping");
    Thread.sleep(IDLE_GAP_MILLIS);
    write(client, "late");
    assertThat(echo.connections().get(0).awaitEnd(PATIENCE)).isTrue();

    client.close();

    assertThat(proxy.awaitOpenConnections(0, PATIENCE)).isTrue();
    assertThat(proxy.killedConnections()).isEqualTo(1);
  }

  @Test
  void connectionUsedWithinIdleLimitKeepsWorking() throws Exception {
    IdleKillingProxy proxy =
        track(IdleKillingProxy.start(echo.address(), Duration.ofMillis(1500), Mode.RESET));
    Socket client = connect(proxy);

    // The gaps add up to more than the limit, so this only passes if every exchange refreshes
    // the idle clock rather than the clock running from connect.
    for (int i = 0; i < 8; i++) {
      assertThat(roundTrip(client, "req" + i)).isEqualTo("req" + i);
      Thread.sleep(250);
    }

    assertThat(roundTrip(client, "last")).isEqualTo("last");
    assertThat(proxy.killedConnections()).isZero();
    assertThat(proxy.acceptedConnections()).isEqualTo(1);
  }

  @Test
  void proxyWithoutLimitNeverKillsIdleConnections() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address()));
    Socket client = connect(proxy);
    assertThat(roundTrip(client, "ping")).isEqualTo("ping");

    Thread.sleep(IDLE_GAP_MILLIS);

    assertThat(roundTrip(client, "pong")).isEqualTo("pong");
    assertThat(proxy.killedConnections()).isZero();
  }

  @Test
  void limitChangedAtRuntimeAppliesToAlreadyOpenConnections() throws Exception {
    IdleKillingProxy proxy =
        track(IdleKillingProxy.start(echo.address(), Duration.ofHours(1), Mode.DROP));
    Socket client = connect(proxy);
    assertThat(roundTrip(client, "ping")).isEqualTo("ping");

    proxy.idleLimit(SHORT_LIMIT);
    Thread.sleep(IDLE_GAP_MILLIS);
    write(client, "late");
    client.setSoTimeout(500);

    assertThatThrownBy(() -> client.getInputStream().read())
        .isInstanceOf(SocketTimeoutException.class);
    assertThat(proxy.killedConnections()).isEqualTo(1);
  }

  @Test
  void maxOpenConnectionsCountsConcurrentlyOpenClientConnectionsExactly() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address()));
    List<Socket> open = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Socket client = connect(proxy);
      // A round trip proves the proxy has accepted and wired this connection.
      assertThat(roundTrip(client, "c" + i)).isEqualTo("c" + i);
      open.add(client);
    }
    assertThat(proxy.acceptedConnections()).isEqualTo(5);
    assertThat(proxy.openConnections()).isEqualTo(5);
    assertThat(proxy.maxOpenConnections()).isEqualTo(5);
    assertThat(echo.connections()).hasSize(5);

    for (Socket client : open.subList(0, 3)) {
      client.close();
    }
    assertThat(proxy.awaitOpenConnections(2, PATIENCE)).isTrue();
    assertThat(proxy.maxOpenConnections()).isEqualTo(5);

    Socket another = connect(proxy);
    assertThat(roundTrip(another, "again")).isEqualTo("again");
    assertThat(proxy.openConnections()).isEqualTo(3);
    assertThat(proxy.maxOpenConnections()).isEqualTo(5);
    assertThat(proxy.acceptedConnections()).isEqualTo(6);
  }

  @Test
  void halfCloseIsPropagatedAndConnectionIsReleasedWhenBothSidesFinish() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address()));
    Socket client = connect(proxy);
    write(client, "bye");

    client.shutdownOutput();

    // The echo server only closes after it sees our FIN, so reaching EOF here proves the FIN
    // travelled upstream and the server's FIN travelled back.
    byte[] rest = client.getInputStream().readAllBytes();
    assertThat(new String(rest, StandardCharsets.UTF_8)).isEqualTo("bye");
    assertThat(echo.connections().get(0).awaitEnd(PATIENCE)).isTrue();
    assertThat(proxy.awaitOpenConnections(0, PATIENCE)).isTrue();
    assertThat(proxy.killedConnections()).isZero();
  }

  @Test
  void clientIsResetWhenUpstreamIsUnreachable() throws Exception {
    InetSocketAddress nobodyListens;
    try (ServerSocket placeholder = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      nobodyListens = new InetSocketAddress("127.0.0.1", placeholder.getLocalPort());
    }
    IdleKillingProxy proxy = track(IdleKillingProxy.start(nobodyListens));
    Socket client = connect(proxy);

    assertThat(readOutcome(client)).isEqualTo("RESET");
    assertThat(proxy.awaitOpenConnections(0, PATIENCE)).isTrue();
    assertThat(proxy.acceptedConnections()).isEqualTo(1);
  }

  @Test
  void closeReturnsPromptlyAndClosesClientSockets() throws Exception {
    IdleKillingProxy proxy = IdleKillingProxy.start(echo.address());
    Socket first = connect(proxy);
    Socket second = connect(proxy);
    assertThat(roundTrip(first, "one")).isEqualTo("one");
    assertThat(roundTrip(second, "two")).isEqualTo("two");

    // A hang guard, not a latency assertion: close() must not block on threads stuck in reads.
    assertTimeoutPreemptively(PATIENCE, proxy::close);

    assertThat(readOutcome(first)).isIn("EOF", "RESET");
    assertThat(readOutcome(second)).isIn("EOF", "RESET");
    assertThat(proxy.openConnections()).isZero();
    String prefix = "idle-killing-proxy-" + proxy.port() + "-";
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
    assertThatThrownBy(() -> new Socket(proxy.host(), proxy.port()).close())
        .isInstanceOf(ConnectException.class);
    proxy.close();
  }

  @Test
  void urlAndHostDescribeTheLoopbackListener() throws Exception {
    IdleKillingProxy proxy = track(IdleKillingProxy.start(echo.address()));

    assertThat(proxy.host()).isEqualTo("127.0.0.1");
    assertThat(proxy.port()).isPositive();
    assertThat(proxy.url("http")).isEqualTo("http://127.0.0.1:" + proxy.port());
    assertThat(proxy.address()).isEqualTo(new InetSocketAddress("127.0.0.1", proxy.port()));
  }

  private IdleKillingProxy track(IdleKillingProxy proxy) {
    proxies.add(proxy);
    return proxy;
  }

  private Socket connect(IdleKillingProxy proxy) throws IOException {
    Socket socket = new Socket(proxy.host(), proxy.port());
    // Bounds every read so a broken proxy fails the test instead of hanging the build.
    socket.setSoTimeout(CLIENT_READ_TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    clients.add(socket);
    return socket;
  }

  private static void write(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String roundTrip(Socket socket, String text) throws IOException {
    write(socket, text);
    byte[] expected = text.getBytes(StandardCharsets.UTF_8);
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buffer = new byte[expected.length];
    while (got.size() < expected.length) {
      int n = in.read(buffer, 0, expected.length - got.size());
      if (n < 0) {
        throw new IOException("EOF after " + Arrays.toString(got.toByteArray()));
      }
      got.write(buffer, 0, n);
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  /** Classifies how a read ends, since a closed peer may surface as either EOF or a reset. */
  private static String readOutcome(Socket socket) {
    try {
      int b = socket.getInputStream().read();
      return b < 0 ? "EOF" : "DATA";
    } catch (SocketTimeoutException e) {
      return "TIMEOUT";
    } catch (SocketException e) {
      return "RESET";
    } catch (IOException e) {
      return "ERROR " + e;
    }
  }
}
