package dev.fnclients.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.http.RawHttpServer.After;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server that answers, then closes the idle keep-alive connection with no {@code Keep-Alive:
 * timeout=} hint, well inside {@code maxIdleAge} (as nginx, Go servers and many load balancers do),
 * or sends something on it nobody asked for. The next request, a POST, must not be written into
 * that connection: FnClients finds out before writing, sends it on a fresh connection, and the
 * server receives it exactly once. A default OkHttp client would replay it after the failure;
 * FnClients before this check refused to (rightly: it could not know the POST was not received) and
 * the call failed.
 */
class PeerClosedConnectionTest {
  private static final HeldCertificate LOCALHOST =
      new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();

  enum Fault {
    /** The server closes the connection: a FIN. */
    FIN,
    /** The server resets the connection: an RST. */
    RESET,
    /**
     * The server sends a 408 on the idle connection, as some do before closing, and keeps it open.
     */
    UNASKED_BYTES,
    /** A TLS server closes the connection: a close_notify alert, then a FIN. */
    TLS_CLOSE_NOTIFY
  }

  private final TransportStats stats = new TransportStats("http");
  private final CountDownLatch firstResponseRead = new CountDownLatch(1);
  private final CountDownLatch faultDone = new CountDownLatch(1);
  private RawHttpServer server;
  private OkHttpClient client;

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      FnHttp.close(client, Duration.ofSeconds(1));
    }
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Fault.class)
  void postOnAConnectionThePeerAlreadyClosedGoesOnAFreshConnectionAndIsReceivedOnce(Fault fault)
      throws Exception {
    start(
        fault == Fault.TLS_CLOSE_NOTIFY,
        (request, socket, out) -> {
          RawHttpServer.respond(out, 200, request.path().equals("/first") ? "first" : "second");
          if (!request.path().equals("/first")) {
            return After.KEEP_OPEN;
          }
          // Only once the client has read the response and pooled the connection: the fault then
          // reaches an idle connection, not the response being read.
          firstResponseRead.await(10, TimeUnit.SECONDS);
          switch (fault) {
            case UNASKED_BYTES:
              out.write(
                  "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              faultDone.countDown();
              return After.KEEP_OPEN;
            case RESET:
              return After.RESET;
            default:
              return After.CLOSE;
          }
        });
    assertThat(post("/first")).isEqualTo("first");
    firstResponseRead.countDown();
    if (fault == Fault.UNASKED_BYTES) {
      assertThat(faultDone.await(10, TimeUnit.SECONDS)).isTrue();
    } else {
      server.awaitClosedByServer(1);
    }
    Thread.sleep(50); // let loopback deliver what the server sent before the client looks

    assertThat(post("/second")).isEqualTo("second");

    assertThat(server.count("POST", "/second"))
        .as("the second POST reached the server once")
        .isEqualTo(1);
    assertThat(server.acceptedConnections()).isEqualTo(2);
    assertThat(stats.count(MetricNames.PEER_CLOSED_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.RETRIES))
        .as("a discarded connection is not a retry")
        .isZero();
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_UNSAFE)).isZero();
  }

  @ParameterizedTest(name = "tls={0}")
  @EnumSource(
      value = Fault.class,
      names = {"FIN", "TLS_CLOSE_NOTIFY"})
  void healthyIdleConnectionIsReusedForThePost(Fault scheme) throws Exception {
    start(
        scheme == Fault.TLS_CLOSE_NOTIFY,
        (request, socket, out) -> {
          RawHttpServer.respond(out, 200, request.path().substring(1));
          return After.KEEP_OPEN;
        });

    assertThat(post("/first")).isEqualTo("first");
    Thread.sleep(
        50); // whatever the server sends after a response (TLS session tickets) has arrived
    assertThat(post("/second")).isEqualTo("second");

    assertThat(server.acceptedConnections())
        .as("no false alarm on a healthy connection")
        .isEqualTo(1);
    assertThat(stats.count(MetricNames.CONNECTIONS_REUSED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.PEER_CLOSED_EVICTIONS)).isZero();
  }

  @Test
  void getAfterAFinIsNotCountedAsARetryEither() throws Exception {
    start(
        false,
        (request, socket, out) -> {
          RawHttpServer.respond(out, 200, "ok");
          return After.CLOSE;
        });
    get("/first");
    server.awaitClosedByServer(1);
    Thread.sleep(50);

    get("/second");

    assertThat(server.count("GET", "/second")).isEqualTo(1);
    assertThat(stats.count(MetricNames.PEER_CLOSED_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  private void start(boolean tls, RawHttpServer.Handler handler) throws IOException {
    FnClientsConfig config =
        FnClientsConfig.custom().platform(Platform.OTHER).maxIdleAge(Duration.ofMinutes(5)).build();
    OkHttpClient base = FnHttp.newClient(config, stats);
    if (tls) {
      HandshakeCertificates serverCerts =
          new HandshakeCertificates.Builder().heldCertificate(LOCALHOST).build();
      HandshakeCertificates clientCerts =
          new HandshakeCertificates.Builder()
              .addTrustedCertificate(LOCALHOST.certificate())
              .build();
      server = RawHttpServer.startTls(serverCerts.sslContext(), handler);
      // A variant trusting the test certificate: it shares the pool, the sockets and every check.
      client =
          base.newBuilder()
              .sslSocketFactory(clientCerts.sslSocketFactory(), clientCerts.trustManager())
              .build();
    } else {
      server = RawHttpServer.start(handler);
      client = base;
    }
  }

  private String post(String path) throws IOException {
    Request request =
        new Request.Builder()
            .url(server.url(path))
            .post(RequestBody.create("{\"order\":42}", MediaType.get("application/json")))
            .build();
    try (Response response = client.newCall(request).execute()) {
      String body = response.body().string();
      return response.code() == 200 ? body : "HTTP " + response.code() + " " + body;
    }
  }

  private String get(String path) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      return response.body().string();
    }
  }
}
