package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Behind a NAT that kills connections idle past its window (by RST, or silently), invocations
 * separated by idle gaps: FnClients never sends into a dead connection; a default shared OkHttp
 * client does, and with a silent drop it stalls until its read timeout and fails.
 */
class IdleKilledConnectionTest {
  private static final Duration NAT_IDLE_LIMIT = Duration.ofMillis(800);
  private static final Duration IDLE_GAP = Duration.ofMillis(1100);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

  private WireMockServer server;
  private IdleKillingProxy nat;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    server.stubFor(
        any(urlEqualTo("/work")).willReturn(aResponse().withStatus(200).withBody("done")));
  }

  @AfterEach
  void tearDown() {
    if (nat != null) {
      nat.close();
    }
    server.stop();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyInvocationAfterAnIdleGapSucceedsWithoutStalling(Mode mode) throws Exception {
    nat =
        IdleKillingProxy.start(
            new InetSocketAddress("127.0.0.1", server.port()), NAT_IDLE_LIMIT, mode);
    TransportStats stats = new TransportStats("http");
    FnClientsConfig config =
        FnClientsConfig.custom()
            .platform(Platform.OTHER)
            .maxIdleAge(
                Duration.ofMillis(400)) // below the NAT's window, as the platform defaults are
            .readTimeout(READ_TIMEOUT)
            .build();
    OkHttpClient client = FnHttp.newClient(config, stats);
    try {
      List<Outcome> outcomes = invocations(client, 5);

      assertThat(outcomes).allSatisfy(o -> assertThat(o.error).isNull());
      assertThat(outcomes).allSatisfy(o -> assertThat(o.millis).isLessThan(1000));
      assertThat(nat.killedConnections()).as("requests sent into a dead connection").isZero();
      // Unfrozen, OkHttp's own cleanup may evict first; either way each gap ends in a fresh
      // connection.
      assertThat(stats.count(MetricNames.CONNECTIONS_OPENED)).isGreaterThanOrEqualTo(5);
      assertThat(stats.count(MetricNames.CONNECTIONS_REUSED))
          .as("the POST after each GET reuses its connection")
          .isGreaterThanOrEqualTo(5);
    } finally {
      FnHttp.close(client, Duration.ofSeconds(1));
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void defaultSharedClientSendsIntoDeadConnections(Mode mode) throws Exception {
    nat =
        IdleKillingProxy.start(
            new InetSocketAddress("127.0.0.1", server.port()), NAT_IDLE_LIMIT, mode);
    OkHttpClient client = new OkHttpClient.Builder().readTimeout(READ_TIMEOUT).build();
    try {
      List<Outcome> outcomes = invocations(client, 3);

      assertThat(nat.killedConnections()).isGreaterThanOrEqualTo(1);
      if (mode == Mode.DROP) {
        assertThat(outcomes)
            .as("a silent drop stalls the request until the read timeout, then fails it")
            .anySatisfy(
                o -> {
                  assertThat(o.error).isNotNull();
                  assertThat(o.millis).isGreaterThanOrEqualTo(READ_TIMEOUT.toMillis() - 100);
                });
      }
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  private List<Outcome> invocations(OkHttpClient client, int count) throws InterruptedException {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        Thread.sleep(IDLE_GAP.toMillis()); // the injected fault: an idle gap past the NAT's window
      }
      outcomes.add(call(client, new Request.Builder().url(nat.url("http") + "/work").build()));
      RequestBody body = RequestBody.create("{\"n\":" + i + "}", MediaType.get("application/json"));
      outcomes.add(
          call(client, new Request.Builder().url(nat.url("http") + "/work").post(body).build()));
    }
    return outcomes;
  }

  private static Outcome call(OkHttpClient client, Request request) {
    long start = System.nanoTime();
    try (Response response = client.newCall(request).execute()) {
      response.body().string();
      return new Outcome(
          (System.nanoTime() - start) / 1_000_000,
          response.code() == 200 ? null : "HTTP " + response.code());
    } catch (Exception e) {
      return new Outcome((System.nanoTime() - start) / 1_000_000, e.toString());
    }
  }

  private static final class Outcome {
    final long millis;
    final String error;

    Outcome(long millis, String error) {
      this.millis = millis;
      this.error = error;
    }

    @Override
    public String toString() {
      return millis + " ms" + (error == null ? "" : " " + error);
    }
  }
}
