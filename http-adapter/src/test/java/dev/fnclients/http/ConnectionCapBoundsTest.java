package dev.fnclients.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.http.RawHttpServer.After;
import dev.fnclients.http.spi.FnHttp;
import dev.fnclients.pool.ConnectionCapExceededException;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.Platform;
import dev.fnclients.spi.TransportStats;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The caps bound what they say, at the edges: an {@code enqueue()}d call waits at the cap with the
 * same bounds as an {@code execute()} caller; {@code maxConnections} counts sockets, pooled ones
 * included, across hosts; {@code maxConnectionsPerHost} holds for a redirect's follow-up; and no
 * wait outlasts the call's own deadline. Servers here hold their responses until the test lets them
 * go, so nothing depends on how long a response takes.
 */
class ConnectionCapBoundsTest {
  private final TransportStats stats = new TransportStats("http");
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<RawHttpServer> servers = new ArrayList<>();
  private OkHttpClient client;

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    if (client != null) {
      FnHttp.close(client, Duration.ofSeconds(2));
    }
    for (RawHttpServer server : servers) {
      server.close();
    }
  }

  @Test
  void queuedAsyncCallFailsWithTheCapExceptionOnceItHasWaitedCapWait() throws Exception {
    client = client(config().maxConnectionsPerHost(2).capWait(Duration.ofMillis(500)));
    RawHttpServer server = holdingServer();
    CompletableFuture<String> first = enqueue(server.url("/hold"));
    CompletableFuture<String> second = enqueue(server.url("/hold"));
    await(() -> server.received().size() == 2, "both holders reached the server");

    CompletableFuture<String> third = enqueue(server.url("/hold"));

    // The holders are still held: before, the third call sat in OkHttp's dispatcher queue until one
    // finished.
    assertThat(third.get(10, TimeUnit.SECONDS)).startsWith("cap:maxConnectionsPerHost:capWait");
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("held");
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("held");
    assertThat(server.count("GET", "/hold")).isEqualTo(2);
  }

  @Test
  void asyncCallTimeoutCountsFromEnqueueAndEndsTheWaitForAPermit() throws Exception {
    RawHttpServer server = holdingServer();
    CompletableFuture<String> holder = capOfOneHeldWithHalfASecondCallTimeout(server);

    CompletableFuture<String> waiter = enqueue(server.url("/hold"));

    assertThat(waiter.get(10, TimeUnit.SECONDS))
        .startsWith("cap:maxConnectionsPerHost:callTimeout");
    release.countDown();
    assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("held");
  }

  @Test
  void waitForAPermitNeverOutlastsTheCallTimeoutAndTheExceptionSaysSo() throws Exception {
    RawHttpServer server = holdingServer();
    CompletableFuture<String> holder = capOfOneHeldWithHalfASecondCallTimeout(server);

    String outcome = executeAsync(server.url("/hold")).get(10, TimeUnit.SECONDS);

    assertThat(outcome)
        .startsWith("cap:maxConnectionsPerHost:callTimeout")
        .contains("(callTimeout)");
    release.countDown();
    assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("held");
  }

  @Test
  void totalCapCountsPooledSocketsAndClosesIdleOnesToAnotherHostToMakeRoom() throws Exception {
    client = client(config().maxConnections(4).maxConnectionsPerHost(4));
    RawHttpServer b = holdingServer();
    // Four connections to A, at once, then all four idle in the pool.
    CountDownLatch aHeld = new CountDownLatch(1);
    RawHttpServer slowA =
        server(
            (request, socket, out) -> {
              aHeld.await(10, TimeUnit.SECONDS);
              RawHttpServer.respond(out, 200, "a");
              return After.KEEP_OPEN;
            });
    List<CompletableFuture<String>> toA = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      toA.add(enqueue(slowA.url("/a")));
    }
    await(() -> slowA.received().size() == 4, "four calls to A at once");
    aHeld.countDown();
    for (CompletableFuture<String> f : toA) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("a");
    }
    assertThat(slowA.openConnections()).as("A's four connections pooled").isEqualTo(4);

    List<CompletableFuture<String>> toB = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      toB.add(enqueue(b.url("/hold")));
    }
    await(() -> b.received().size() == 4, "four calls to B at once");

    assertThat(slowA.awaitOpenConnections(0))
        .as("A's idle connections closed to make room, open: " + slowA.openConnections())
        .isTrue();
    assertThat(b.openConnections()).isEqualTo(4);
    assertThat(stats.count(MetricNames.CAP_EVICTIONS)).isEqualTo(4);
    assertThat(stats.count(MetricNames.CAP_REJECTIONS)).isZero();
    release.countDown();
    for (CompletableFuture<String> f : toB) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("held");
    }
  }

  @Test
  void perHostCapHoldsForARedirectsFollowUpToAnotherHost() throws Exception {
    client = client(config().maxConnectionsPerHost(2).capWait(Duration.ofSeconds(10)));
    RawHttpServer b = holdingServer();
    RawHttpServer a =
        server(
            (request, socket, out) -> {
              RawHttpServer.respond(out, 302, "", "Location", b.url("/hold"));
              return After.KEEP_OPEN;
            });
    // execute() on threads of its own: OkHttp's dispatcher, which counts hosts by name only, plays
    // no part.
    List<CompletableFuture<String>> calls = new ArrayList<>();
    calls.add(executeAsync(b.url("/hold")));
    calls.add(executeAsync(b.url("/hold")));
    await(() -> b.received().size() == 2, "two direct calls held at B");

    calls.add(executeAsync(a.url("/go")));
    calls.add(executeAsync(a.url("/go")));
    await(
        () -> stats.count(MetricNames.CAP_WAITS) >= 2 || b.received().size() > 2,
        "the redirects reach B's cap");

    assertThat(b.received())
        .as("follow-ups wait for B's cap; they do not open a third and fourth connection")
        .hasSize(2);
    assertThat(b.openConnections()).isEqualTo(2);
    release.countDown();
    for (CompletableFuture<String> call : calls) {
      assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("held");
    }
    assertThat(b.count("GET", "/hold")).isEqualTo(4);
  }

  // ---- helpers ----

  /**
   * A client with a per-host cap of 1, a 30 s capWait and a 0.5 s callTimeout, whose one permit a
   * patient variant's call holds at {@code server} until the test releases it.
   */
  private CompletableFuture<String> capOfOneHeldWithHalfASecondCallTimeout(RawHttpServer server)
      throws Exception {
    client =
        client(
            config()
                .maxConnectionsPerHost(1)
                .capWait(Duration.ofSeconds(30))
                .callTimeout(Duration.ofMillis(500)));
    OkHttpClient patient = client.newBuilder().callTimeout(Duration.ofSeconds(30)).build();
    CompletableFuture<String> holder = enqueue(patient, server.url("/hold"));
    await(() -> server.received().size() == 1, "the holder reached the server");
    return holder;
  }

  private static FnClientsConfig.Builder config() {
    return FnClientsConfig.custom().platform(Platform.OTHER).readTimeout(Duration.ofSeconds(20));
  }

  private OkHttpClient client(FnClientsConfig.Builder config) {
    return FnHttp.newClient(config.build(), stats);
  }

  private RawHttpServer server(RawHttpServer.Handler handler) throws IOException {
    RawHttpServer server = RawHttpServer.start(handler);
    servers.add(server);
    return server;
  }

  /** Answers every request with "held", once the test releases it. */
  private RawHttpServer holdingServer() throws IOException {
    return server(
        (request, socket, out) -> {
          release.await(30, TimeUnit.SECONDS);
          RawHttpServer.respond(out, 200, "held");
          return After.KEEP_OPEN;
        });
  }

  private CompletableFuture<String> enqueue(String url) {
    return enqueue(client, url);
  }

  private static CompletableFuture<String> enqueue(OkHttpClient client, String url) {
    CompletableFuture<String> result = new CompletableFuture<>();
    client
        .newCall(new Request.Builder().url(url).build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                result.complete(describe(e));
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (response) {
                  result.complete(response.body().string());
                } catch (IOException e) {
                  result.complete(describe(e));
                }
              }
            });
    return result;
  }

  private CompletableFuture<String> executeAsync(String url) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread caller = new Thread(() -> result.complete(execute(client, url)), "caller");
    caller.setDaemon(true);
    caller.start();
    return result;
  }

  private static String execute(OkHttpClient client, String url) {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.body().string();
    } catch (IOException e) {
      return describe(e);
    }
  }

  private static String describe(IOException e) {
    if (e instanceof ConnectionCapExceededException) {
      ConnectionCapExceededException cap = (ConnectionCapExceededException) e;
      return "cap:" + cap.cap() + ":" + cap.waitLimit() + ": " + cap.getMessage();
    }
    return "error:" + e;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("within 10 s: " + what).isNegative();
      Thread.sleep(2);
    }
  }
}
