package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle age is checked by the injected clock when a connection is taken, before anything is sent.
 */
class IdleEvictionTest {
  private final ManualClock clock = new ManualClock();
  private final TransportStats stats = new TransportStats("http");
  private WireMockServer server;
  private WireMockServer target; // a second server, for redirects
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    target = new WireMockServer(wireMockConfig().dynamicPort());
    target.start();
    server.stubFor(any(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200).withBody("ok")));
    server.stubFor(
        any(urlEqualTo("/hinted"))
            .willReturn(
                aResponse().withStatus(200).withHeader("Keep-Alive", "timeout=3").withBody("ok")));
    FnClientsConfig config =
        FnClientsConfig.custom()
            .platform(Platform.OTHER)
            .maxIdleAge(Duration.ofSeconds(10))
            .ticker(clock::read)
            .build();
    client = FnHttp.newClient(config, stats);
  }

  @AfterEach
  void tearDown() throws Exception {
    FnHttp.close(client, Duration.ofSeconds(1));
    server.stop();
    target.stop();
  }

  @Test
  void connectionIsReusedWithinMaxIdleAge() throws IOException {
    get(client, "/ok");
    clock.advance(Duration.ofSeconds(10));
    get(client, "/ok");

    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.CONNECTIONS_REUSED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isZero();
  }

  @Test
  void connectionIsNotReusedAfterIdleTimeout() throws IOException {
    get(client, "/ok");
    clock.advance(Duration.ofSeconds(10).plusMillis(1));
    get(client, "/ok");

    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isEqualTo(2);
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.RETRIES))
        .as("discarding a stale connection is not a retry")
        .isZero();
    assertThat(server.getAllServeEvents()).hasSize(2);
  }

  @Test
  void anExchangeEndingAfterAGapDoesNotHideTheGap() throws IOException {
    // A call in flight when the instance froze: its answer came in during the gap and is read
    // after the thaw, so the exchange ends after the gap; the connection was silent all along.
    try (Response inFlight =
        client.newCall(new Request.Builder().url(server.url("/ok")).build()).execute()) {
      clock.advance(Duration.ofSeconds(11));
      assertThat(inFlight.body().string()).isEqualTo("ok");
    }
    get(client, "/ok");

    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isEqualTo(2);
  }

  @Test
  void staleConnectionIsDiscardedForPostWithoutReplayingAnything() throws IOException {
    post(client, "/ok");
    clock.advance(Duration.ofMinutes(5));
    post(client, "/ok");

    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isEqualTo(2);
    assertThat(server.getAllServeEvents()).as("each POST reached the server once").hasSize(2);
  }

  @Test
  void staleConnectionMetByARedirectsFollowUpNeverReplaysThePostThatWasAlreadySent()
      throws IOException {
    server.stubFor(
        any(urlEqualTo("/order"))
            .willReturn(
                aResponse().withStatus(303).withHeader("Location", target.url("/receipt"))));
    poolAConnectionToTheRedirectTargetAndLetItIdleOut();

    RequestBody body = RequestBody.create("{\"n\":1}", MediaType.get("application/json"));
    Request post = new Request.Builder().url(server.url("/order")).post(body).build();
    assertThatThrownBy(() -> client.newCall(post).execute())
        .as("starting over would send the POST again")
        .isInstanceOf(RequestNotRetriedException.class);

    assertThat(server.findAll(postRequestedFor(urlEqualTo("/order"))))
        .as("the POST reached the server once")
        .hasSize(1);
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
  }

  @Test
  void staleConnectionMetByARedirectsFollowUpStartsAGetOverOnAFreshConnection() throws IOException {
    server.stubFor(
        any(urlEqualTo("/moved"))
            .willReturn(
                aResponse().withStatus(302).withHeader("Location", target.url("/receipt"))));
    poolAConnectionToTheRedirectTargetAndLetItIdleOut();

    get(client, "/moved");

    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  private void poolAConnectionToTheRedirectTargetAndLetItIdleOut() throws IOException {
    target.stubFor(
        any(urlEqualTo("/receipt")).willReturn(aResponse().withStatus(200).withBody("ok")));
    get(client, target.url("/receipt"));
    clock.advance(Duration.ofMinutes(5));
  }

  @Test
  void serverKeepAliveTimeoutHintShortensTheIdleLimit() throws IOException {
    get(client, "/hinted"); // Keep-Alive: timeout=3 -> connection may idle at most 2 s
    clock.advance(Duration.ofMillis(1500));
    get(client, "/hinted");
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isZero();

    clock.advance(Duration.ofMillis(2001));
    get(client, "/ok");
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isEqualTo(2);
  }

  @Test
  void newBuilderVariantsShareThePoolAndItsIdleProtection() throws IOException {
    AtomicBoolean noDelay = new AtomicBoolean();
    OkHttpClient variant =
        client
            .newBuilder()
            .readTimeout(Duration.ofSeconds(3))
            .addNetworkInterceptor(
                chain -> {
                  noDelay.set(chain.connection().socket().getTcpNoDelay());
                  return chain.proceed(chain.request());
                })
            .build();
    assertThat(variant.connectionPool()).isSameAs(client.connectionPool());

    get(client, "/ok");
    get(variant, "/ok");
    assertThat(stats.count(MetricNames.CONNECTIONS_OPENED))
        .as("the variant reused the base client's connection")
        .isEqualTo(1);

    clock.advance(Duration.ofSeconds(11));
    get(variant, "/ok");
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
    assertThat(noDelay).as("TCP_NODELAY is set on the client's sockets").isTrue();
  }

  @Test
  void unclosedHeadResponsesStillLetTheConnectionIdleOut() throws IOException {
    // HEAD has no body: the exchange ends at the headers even if the caller never closes.
    client.newCall(new Request.Builder().url(server.url("/ok")).head().build()).execute();
    clock.advance(Duration.ofSeconds(11));
    get(client, "/ok");
    assertThat(stats.count(MetricNames.IDLE_EVICTIONS)).isEqualTo(1);
  }

  private void get(OkHttpClient c, String path) throws IOException {
    String url = path.startsWith("http") ? path : server.url(path);
    try (Response response = c.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(response.body().string()).isEqualTo("ok");
    }
  }

  private void post(OkHttpClient c, String path) throws IOException {
    RequestBody body = RequestBody.create("{\"n\":1}", MediaType.get("application/json"));
    try (Response response =
        c.newCall(new Request.Builder().url(server.url(path)).post(body).build()).execute()) {
      assertThat(response.body().string()).isEqualTo("ok");
    }
  }
}
