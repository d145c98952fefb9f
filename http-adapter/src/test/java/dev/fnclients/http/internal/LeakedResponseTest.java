package dev.fnclients.http.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.spi.ConnectionCap;
import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.spi.SafeRetry;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call's connection permit is held until its response body is done with, and a body the caller
 * drops unclosed gives it back once collected. The interceptors are wired here without the socket
 * cap, which would hold the leaked exchange's socket on its own, so that the permit alone is seen.
 */
class LeakedResponseTest {
  private final TransportStats stats = new TransportStats("http");
  private final FnClientsConfig config = FnClientsConfig.custom().build();
  private final ConnectionCap cap = new ConnectionCap(4, 4, Duration.ZERO, stats);
  private WireMockServer server;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    server.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("ok")));
    server.stubFor(
        get(urlEqualTo("/latin1"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/plain; charset=ISO-8859-1")
                    .withBody(new byte[] {'c', 'a', 'f', (byte) 0xE9})));
    client =
        new OkHttpClient.Builder()
            .addInterceptor(
                new SafeRetryInterceptor(
                    cap, new SafeRetry("http", config, stats), Set.of(), stats))
            .addNetworkInterceptor(
                new IdleCheckInterceptor(IdlePolicy.of(config), stats, (SocketCap) null))
            .retryOnConnectionFailure(false)
            .build();
  }

  @AfterEach
  void tearDown() {
    client.connectionPool().evictAll();
    server.stop();
  }

  @Test
  void thePermitIsHeldUntilTheBodyIsReadAndThenGivenBack() throws IOException {
    try (Response response = call()) {
      assertThat(cap.inUse()).as("permits while the body is unread").isEqualTo(1);
      assertThat(response.body().string()).isEqualTo("ok");
      assertThat(cap.inUse()).as("permits once the body was read to the end").isZero();
    }
  }

  @Test
  void theBodysContentTypeIsParsedOnceAndStillDecodesTheBody() throws IOException {
    try (Response response =
        client
            .newCall(
                new Request.Builder()
                    .url(server.url("/latin1"))
                    // not gzip: OkHttp's own decompressing body would be the one asked
                    .header("Accept-Encoding", "identity")
                    .build())
            .execute()) {
      MediaType type = response.body().contentType();
      assertThat(type).isEqualTo(MediaType.get("text/plain; charset=ISO-8859-1"));
      assertThat(response.body().contentType()).as("asked again: the same parse").isSameAs(type);
      assertThat(response.body().string())
          .as("decoded with the header's charset")
          .isEqualTo("caf\u00e9");
    }
    try (Response response = call()) {
      assertThat(response.body().contentType()).as("no Content-Type header").isNull();
      assertThat(response.body().contentType()).isNull();
    }
  }

  @Test
  void aResponseDroppedUnclosedGivesItsPermitBackOnceCollected() throws Exception {
    dropUnclosed();
    assertThat(cap.inUse()).isEqualTo(1);
    for (int i = 0; i < 200 && cap.inUse() > 0; i++) {
      System.gc();
      Thread.sleep(10); // the cleaner's thread runs the release; the count of tries bounds the test
    }
    assertThat(cap.inUse()).as("permits after the leaked body was collected").isZero();
  }

  @Test
  void aResponseDroppedUnclosedGivesItsSocketSlotBackOnceCollected() throws Exception {
    // OkHttp keeps a leaked exchange's connection allocated until it notices the leak, and with it
    // the socket's slot in the cap: with one socket per host, the host would stay blocked.
    FnClientsConfig oneSocket =
        FnClientsConfig.custom().maxConnectionsPerHost(1).capWait(Duration.ofMillis(200)).build();
    HttpCaps caps = HttpCaps.of(oneSocket, stats);
    OkHttpClient capped =
        new OkHttpClient.Builder()
            .addInterceptor(
                new SafeRetryInterceptor(
                    ConnectionCap.of(oneSocket, stats),
                    new SafeRetry("http", oneSocket, stats),
                    Set.of(),
                    stats))
            .addNetworkInterceptor(new IdleCheckInterceptor(IdlePolicy.of(oneSocket), stats, caps))
            .socketFactory(caps.socketFactory())
            .retryOnConnectionFailure(false)
            .build();
    try {
      assertThat(call(capped).code()).isEqualTo(200); // neither read nor closed
      assertThat(caps.sockets().open()).isEqualTo(1);
      for (int i = 0; i < 200 && caps.sockets().open() > 0; i++) {
        System.gc();
        Thread.sleep(
            10); // the cleaner's thread runs the release; the count of tries bounds the test
      }
      assertThat(caps.sockets().open())
          .as("sockets counted after the leaked body was collected")
          .isZero();
      try (Response next = call(capped)) {
        assertThat(next.body().string()).as("the next call to the host").isEqualTo("ok");
      }
    } finally {
      capped.connectionPool().evictAll();
    }
  }

  private void dropUnclosed() throws IOException {
    assertThat(call().code()).isEqualTo(200); // neither read nor closed
  }

  private Response call() throws IOException {
    return call(client);
  }

  private Response call(OkHttpClient on) throws IOException {
    return on.newCall(new Request.Builder().url(server.url("/ok")).build()).execute();
  }
}
