package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.MetricsHub;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Micrometer's request timer records once a registry is there to record into, even one added later.
 */
class RequestTimerTest {
  private WireMockServer server;

  @BeforeEach
  void setUp() {
    server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    server.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("ok")));
  }

  @AfterEach
  void tearDown() {
    server.stop();
  }

  @Test
  void registryAddedToAnEmptyCompositeAfterTheClientWasBuiltStillGetsTheTimer() throws Exception {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    MetricsHub metrics = new MetricsHub();
    metrics.bindTo(composite);
    OkHttpClient client =
        FnHttp.newClient(FnClientsConfig.custom().build(), metrics.transport("http"));
    call(client);

    SimpleMeterRegistry simple = new SimpleMeterRegistry();
    composite.add(simple);
    call(client);
    call(client);

    assertThat(simple.get(MetricNames.HTTP_REQUESTS).tag("transport", "http").timer().count())
        .isEqualTo(2);
    FnHttp.close(client, Duration.ofSeconds(1));
  }

  private void call(OkHttpClient client) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/ok")).build()).execute()) {
      response.body().string();
    }
  }
}
