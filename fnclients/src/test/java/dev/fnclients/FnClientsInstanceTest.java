package dev.fnclients;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.pool.Environment;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.pool.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The runtime behind FnClients: lazy, exactly once, retried after a failed build, closed once. */
class FnClientsInstanceTest {

  @Test
  void nothingStartsBeforeTheFirstClientIsAskedFor() {
    Set<String> threadsBefore = threadNames();
    AtomicInteger configReads = new AtomicInteger();
    FnClientsInstance runtime =
        new FnClientsInstance(counting(configReads, FnClientsConfig.custom().build()), false);
    runtime.metrics();

    assertThat(runtime.isStarted()).isFalse();
    assertThat(configReads).hasValue(0);
    assertThat(runtime.metrics().count("http", MetricNames.CLIENTS_CREATED)).isZero();
    assertThat(threadNames()).as("no thread started").isSubsetOf(threadsBefore);
  }

  @Test
  void concurrentFirstCallsBuildExactlyOneClient() throws Exception {
    AtomicInteger configReads = new AtomicInteger();
    FnClientsInstance runtime =
        new FnClientsInstance(counting(configReads, FnClientsConfig.custom().build()), false);
    int threads = 48;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<OkHttpClient>> clients = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        clients.add(
            CompletableFuture.supplyAsync(
                () -> {
                  await(start);
                  return runtime.http();
                },
                pool));
      }
      OkHttpClient first = clients.get(0).get(30, TimeUnit.SECONDS);
      for (CompletableFuture<OkHttpClient> client : clients) {
        assertThat(client.get(30, TimeUnit.SECONDS)).isSameAs(first);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(configReads).hasValue(1);
    assertThat(runtime.metrics().count("http", MetricNames.CLIENTS_CREATED)).isEqualTo(1);
    runtime.shutdown();
  }

  @Test
  void invalidEnvironmentVariableFailsTheFirstCallNamingTheVariableAndRange() {
    Environment env = Environment.of(Map.of("FNCLIENTS_MAX_CONNECTIONS", "0"), Map.of());
    FnClientsInstance runtime =
        new FnClientsInstance(() -> FnClientsConfig.custom(env).build(), false);

    assertThatThrownBy(runtime::http)
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("FNCLIENTS_MAX_CONNECTIONS")
        .hasMessageContaining("1 to 10000");
  }

  @Test
  void emptyEnvironmentVariableFailsTheFirstCallInsteadOfMeaningTheDefault() {
    // What `--set-env-vars=FNCLIENTS_MAX_CONNECTIONS_PER_HOST=` leaves behind.
    Environment env = Environment.of(Map.of("FNCLIENTS_MAX_CONNECTIONS_PER_HOST", ""), Map.of());
    FnClientsInstance runtime =
        new FnClientsInstance(() -> FnClientsConfig.custom(env).build(), false);

    assertThatThrownBy(runtime::http)
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("FNCLIENTS_MAX_CONNECTIONS_PER_HOST")
        .hasMessageContaining("empty")
        .hasMessageContaining("1 to 10000");
  }

  @Test
  void failedBuildIsRetriedOnTheNextCall() {
    AtomicInteger attempts = new AtomicInteger();
    FnClientsInstance runtime =
        new FnClientsInstance(
            () -> {
              if (attempts.incrementAndGet() == 1) {
                throw new InvalidConfigurationException(
                    "maxIdleAge", "fnclients.max-idle-age='x' is not a duration");
              }
              return FnClientsConfig.custom().build();
            },
            false);

    assertThatThrownBy(runtime::http).isInstanceOf(InvalidConfigurationException.class);
    assertThat(runtime.http()).isNotNull().isSameAs(runtime.http());
    assertThat(attempts).hasValue(2);
    runtime.shutdown();
  }

  @Test
  void metricsAreBoundToTheConfiguredRegistryWithMicrometersRequestTimer() throws IOException {
    WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    try {
      server.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("ok")));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      FnClientsInstance runtime =
          new FnClientsInstance(
              () -> FnClientsConfig.custom().meterRegistry(registry).build(), false);
      for (int i = 0; i < 3; i++) {
        try (Response response =
            runtime
                .http()
                .newCall(new Request.Builder().url(server.url("/ok")).build())
                .execute()) {
          response.body().string();
        }
      }

      assertThat(
              registry
                  .get("fnclients.connections.opened")
                  .tag("transport", "http")
                  .functionCounter()
                  .count())
          .isEqualTo(1);
      assertThat(
              registry
                  .get("fnclients.connections.reused")
                  .tag("transport", "http")
                  .functionCounter()
                  .count())
          .isEqualTo(2);
      assertThat(registry.get(MetricNames.HTTP_REQUESTS).tag("transport", "http").timer().count())
          .isEqualTo(3);
      assertThat(registry.get(MetricNames.HTTP_REQUESTS).timer().getId().getTag("uri"))
          .as("no URL path in tags unless the caller names a pattern")
          .isEqualTo("none");
      runtime.shutdown();
    } finally {
      server.stop();
    }
  }

  @Test
  void withNoRegistryConfiguredNothingIsBoundAndBindToLaterGetsCountersAndTheRequestTimer()
      throws IOException {
    WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    try {
      server.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("ok")));
      FnClientsInstance runtime = FnClientsInstance.create(FnClientsConfig.custom().build());
      Request request = new Request.Builder().url(server.url("/ok")).build();
      try (Response response = runtime.http().newCall(request).execute()) {
        response.body().string();
      }
      assertThat(runtime.config().meterRegistry()).isEmpty();

      SimpleMeterRegistry late = new SimpleMeterRegistry();
      runtime.metrics().bindTo(late);
      try (Response response = runtime.http().newCall(request).execute()) {
        response.body().string();
      }

      assertThat(
              late.get("fnclients.connections.opened")
                  .tag("transport", "http")
                  .functionCounter()
                  .count())
          .isEqualTo(1);
      assertThat(late.get(MetricNames.HTTP_REQUESTS).tag("transport", "http").timer().count())
          .as("only the call made after binding is timed")
          .isEqualTo(1);
      runtime.shutdown();
    } finally {
      server.stop();
    }
  }

  @Test
  void shutdownClosesPooledConnectionsIsIdempotentAndRefusesLaterCalls() throws IOException {
    WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort());
    server.start();
    try {
      server.stubFor(get(urlEqualTo("/ok")).willReturn(aResponse().withBody("ok")));
      FnClientsInstance runtime =
          new FnClientsInstance(() -> FnClientsConfig.custom().build(), false);
      OkHttpClient client = runtime.http();
      try (Response response =
          client.newCall(new Request.Builder().url(server.url("/ok")).build()).execute()) {
        response.body().string();
      }
      assertThat(client.connectionPool().connectionCount()).isEqualTo(1);

      assertThat(runtime.shutdown()).isTrue();
      assertThat(runtime.shutdown()).isTrue();
      assertThat(client.connectionPool().connectionCount()).isZero();
      assertThatThrownBy(runtime::http)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("shut down");
    } finally {
      server.stop();
    }
  }

  private static Supplier<FnClientsConfig> counting(AtomicInteger reads, FnClientsConfig config) {
    return () -> {
      reads.incrementAndGet();
      return config;
    };
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
