package dev.fnclients.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.IdleKillingProxy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection cap holds for execute() and enqueue() alike, rejects after a bounded wait, and
 * never leaks a permit.
 */
class ConnectionCapTest {
  private static final int CAP = 8;
  private final TransportStats stats = new TransportStats("http");
  private WireMockServer server;
  private IdleKillingProxy counter;
  private OkHttpClient client;
  private ExecutorService callers;

  @BeforeEach
  void setUp() throws IOException {
    server = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(100));
    server.start();
    server.stubFor(
        get(urlEqualTo("/slow")).willReturn(aResponse().withFixedDelay(300).withBody("ok")));
    server.stubFor(
        get(urlEqualTo("/slower")).willReturn(aResponse().withFixedDelay(1500).withBody("ok")));
    counter = IdleKillingProxy.start(new InetSocketAddress("127.0.0.1", server.port()));
    FnClientsConfig config =
        FnClientsConfig.custom()
            .platform(Platform.OTHER)
            .maxConnections(CAP)
            .maxConnectionsPerHost(CAP)
            .capWait(Duration.ofSeconds(1))
            .build();
    client = FnHttp.newClient(config, stats);
    callers = Executors.newFixedThreadPool(64);
  }

  @AfterEach
  void tearDown() throws Exception {
    callers.shutdownNow();
    FnHttp.close(client, Duration.ofSeconds(2));
    counter.close();
    server.stop();
  }

  @Test
  void sixtyFourCallersNeverOpenMoreThanTheCapAndLateOnesGetTheCapException() throws Exception {
    CyclicBarrier start = new CyclicBarrier(64);
    List<CompletableFuture<String>> outcomes = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      boolean async = i % 2 == 0;
      outcomes.add(
          CompletableFuture.supplyAsync(
              () -> {
                await(start);
                return async ? enqueue("/slow") : execute("/slow");
              },
              callers));
    }
    List<String> results = new ArrayList<>();
    for (CompletableFuture<String> outcome : outcomes) {
      results.add(outcome.get(60, TimeUnit.SECONDS));
    }

    long ok = results.stream().filter("ok"::equals).count();
    List<String> rejected = results.stream().filter(r -> r.startsWith("cap:")).toList();
    assertThat(counter.maxOpenConnections())
        .as("connections the server saw at once")
        .isLessThanOrEqualTo(CAP);
    assertThat(ok).isGreaterThanOrEqualTo(CAP);
    assertThat(rejected)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r).contains("maxConnections").contains("127.0.0.1"));
    assertThat(ok + rejected.size())
        .as("every caller got a response or the cap exception: " + results)
        .isEqualTo(64);
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isEqualTo(rejected.size());

    assertNoPermitLeaked();
  }

  @Test
  void timeoutsAndCancellationsReleaseTheirPermits() throws Exception {
    OkHttpClient impatient = client.newBuilder().callTimeout(Duration.ofMillis(100)).build();
    for (int i = 0; i < CAP; i++) {
      Call call = impatient.newCall(request("/slow"));
      try (Response response = call.execute()) {
        throw new AssertionError("expected a timeout, got " + response.code());
      } catch (InterruptedIOException expected) {
        // the call deadline passed while the server was still thinking
      }
    }
    for (int i = 0; i < CAP; i++) {
      Call call = client.newCall(request("/slow"));
      CompletableFuture<String> pending = CompletableFuture.supplyAsync(() -> run(call), callers);
      Thread.sleep(50); // let the call get under way before it is canceled
      call.cancel();
      assertThat(pending.get(10, TimeUnit.SECONDS)).isNotEqualTo("ok");
    }
    try (Response response = client.newCall(request("/slow")).execute()) {
      response.body().source().readByte(); // leave the body half read, then close it
    }

    assertNoPermitLeaked();
  }

  /**
   * With the server holding each call past capWait, exactly CAP of CAP + 1 simultaneous callers get
   * through.
   */
  private void assertNoPermitLeaked() throws Exception {
    CyclicBarrier start = new CyclicBarrier(CAP + 1);
    List<CompletableFuture<String>> outcomes = new ArrayList<>();
    for (int i = 0; i <= CAP; i++) {
      outcomes.add(
          CompletableFuture.supplyAsync(
              () -> {
                await(start);
                return execute("/slower");
              },
              callers));
    }
    List<String> results = new ArrayList<>();
    for (CompletableFuture<String> outcome : outcomes) {
      results.add(outcome.get(30, TimeUnit.SECONDS));
    }
    assertThat(results)
        .as("a leaked permit would turn an ok into a rejection")
        .filteredOn("ok"::equals)
        .hasSize(CAP);
    assertThat(results).filteredOn(r -> r.startsWith("cap:")).hasSize(1);
  }

  private Request request(String path) {
    return new Request.Builder().url(counter.url("http") + path).build();
  }

  private String execute(String path) {
    return run(client.newCall(request(path)));
  }

  private static String run(Call call) {
    try (Response response = call.execute()) {
      return response.body().string();
    } catch (ConnectionCapExceededException e) {
      return "cap:" + e.getMessage();
    } catch (IOException e) {
      return "error:" + e;
    }
  }

  private String enqueue(String path) {
    CompletableFuture<String> result = new CompletableFuture<>();
    client
        .newCall(request(path))
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                result.complete(
                    e instanceof ConnectionCapExceededException
                        ? "cap:" + e.getMessage()
                        : "error:" + e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (response) {
                  result.complete(response.body().string());
                } catch (IOException e) {
                  result.complete("error:" + e);
                }
              }
            });
    return result.join();
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
