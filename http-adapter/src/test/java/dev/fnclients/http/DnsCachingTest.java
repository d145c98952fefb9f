package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
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
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DNS answers are cached for the TTL and the last good one is served when the resolver fails. */
class DnsCachingTest {
  private final ManualClock clock = new ManualClock();
  private final TransportStats stats = new TransportStats("http");
  private final AtomicInteger lookups = new AtomicInteger();
  private final AtomicBoolean resolverDown = new AtomicBoolean();
  private WireMockServer server;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    server.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("ok")));
    Dns resolver =
        host -> {
          lookups.incrementAndGet();
          if (resolverDown.get()) {
            throw new UnknownHostException(host + ": resolver unavailable");
          }
          return List.of(InetAddress.getLoopbackAddress());
        };
    FnClientsConfig config =
        FnClientsConfig.custom()
            .platform(Platform.OTHER)
            .dnsTtl(Duration.ofSeconds(30))
            .dnsStaleIfError(Duration.ofMinutes(10))
            .ticker(clock::read)
            .build();
    client = FnHttp.newClient(config, stats, resolver);
  }

  @AfterEach
  void tearDown() throws Exception {
    FnHttp.close(client, Duration.ofSeconds(1));
    server.stop();
  }

  @Test
  void answerIsReusedWithinTheTtlEvenForNewConnections() throws IOException {
    call();
    client.connectionPool().evictAll();
    clock.advance(Duration.ofSeconds(29));
    call();

    assertThat(lookups).hasValue(1);
    assertThat(stats.count(MetricNames.DNS_CACHED)).isEqualTo(1);
  }

  @Test
  void lastGoodAnswerIsServedWhenTheResolverFails() throws IOException {
    call();
    client.connectionPool().evictAll();
    clock.advance(Duration.ofMinutes(5));
    resolverDown.set(true);
    call();

    assertThat(lookups).hasValue(2);
    assertThat(stats.count(MetricNames.DNS_STALE)).isEqualTo(1);
  }

  @Test
  void failureSurfacesOnceTheStaleAnswerIsTooOld() throws IOException {
    call();
    client.connectionPool().evictAll();
    clock.advance(Duration.ofMinutes(11));
    resolverDown.set(true);

    assertThatThrownBy(this::call).isInstanceOf(UnknownHostException.class);
    assertThat(stats.count(MetricNames.DNS_FAILED)).isEqualTo(1);
    assertThat(stats.count(MetricNames.RETRIES)).as("an unknown host is not retried").isZero();
  }

  private void call() throws IOException {
    Request request =
        new Request.Builder().url("http://fn-upstream.test:" + server.port() + "/ok").build();
    try (Response response = client.newCall(request).execute()) {
      assertThat(response.body().string()).isEqualTo("ok");
    }
  }
}
