package dev.fnclients.examples;

import dev.fnclients.FnClients;
import dev.fnclients.http.RequestNotRetriedException;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.FnClientsMetrics;
import dev.fnclients.testkit.IdleKillingProxy;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.IdleKillingProxy.Mode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The idle-gap scenario behind {@link IdleGapDemo}: a function instance that is invoked now and
 * then, with pauses longer than the idle limit of the network in front of its upstream.
 *
 * <p>Each {@link Variant} gets its own {@link LoopbackHttpServer} behind its own
 * {@link IdleKillingProxy}, and the variants run side by side, so every count is the variant's own.
 * An invocation makes one GET and one POST (odd invocations GET first, even ones POST first, so
 * both methods meet the first request after a gap). Before every {@code gapEvery}-th invocation
 * the instance stays idle for {@code gap}, longer than the proxy's idle limit; between the others
 * it pauses only briefly.
 */
public final class IdleGapScenario {
  /** Shown where a variant has no such counter. */
  public static final long NOT_COUNTED = -1;

  private static final MediaType JSON = MediaType.get("application/json");
  private static final Duration RUN_BOUND = Duration.ofMinutes(3);

  private IdleGapScenario() {}

  /** The three ways a function can hold an HTTP client. */
  public enum Variant {
    /** A new default OkHttpClient built for every invocation and shut down after it. */
    CLIENT_PER_INVOCATION("client per invocation"),
    /** One default OkHttpClient (read timeout 2 s) shared by every invocation. */
    DEFAULT_SHARED("default shared client"),
    /** FnClients' shared client. */
    FNCLIENTS("FnClients.http()");

    private final String label;

    Variant(String label) {
      this.label = label;
    }

    /** The name printed in the table. */
    public String label() {
      return label;
    }
  }

  /**
   * What to run.
   *
   * @param mode how the proxy kills a connection reused after its idle limit
   * @param idleLimit the proxy's idle limit
   * @param invocations invocations per variant
   * @param gapEvery an idle {@code gap} comes before every invocation whose number (from 1) is a
   *     multiple of this
   * @param gap the long pause, longer than {@code idleLimit}
   * @param pause the short pause before the other invocations
   * @param sharedReadTimeout read timeout of the default shared client, bounding a silent drop
   */
  public record Settings(
      Mode mode,
      Duration idleLimit,
      int invocations,
      int gapEvery,
      Duration gap,
      Duration pause,
      Duration sharedReadTimeout) {
    public Settings {
      Objects.requireNonNull(mode, "mode");
      if (invocations < 1 || invocations > 1000 || gapEvery < 1) {
        throw new IllegalArgumentException("invocations must be 1..1000 and gapEvery at least 1");
      }
      if (gap.compareTo(idleLimit) <= 0) {
        throw new IllegalArgumentException("the gap must be longer than the idle limit");
      }
    }

    /** The demo's settings: 1 s idle limit, 12 invocations, 1.3 s gap before every 3rd. */
    public static Settings defaults(Mode mode) {
      return new Settings(
          mode, Duration.ofSeconds(1), 12, 3, Duration.ofMillis(1300), Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    /** These settings with another number of invocations. */
    public Settings withInvocations(int n) {
      return new Settings(mode, idleLimit, n, gapEvery, gap, pause, sharedReadTimeout);
    }

    /** How many invocations come after an idle gap. */
    public int gaps() {
      return invocations / gapEvery;
    }
  }

  /**
   * Where the FnClients variant gets its client and counters: {@link FnClients} itself, or a
   * private {@link FnClientsInstance} (what tests use, since FnClients is process-global).
   */
  public interface FnClientsHandle {
    /** The shared client, as {@code FnClients.http()}. */
    OkHttpClient http();

    /** The counters of every transport. */
    FnClientsMetrics metrics();

    /** The process-global {@link FnClients}. */
    static FnClientsHandle global() {
      return new FnClientsHandle() {
        @Override
        public OkHttpClient http() {
          return FnClients.http();
        }

        @Override
        public FnClientsMetrics metrics() {
          return FnClients.metrics();
        }
      };
    }

    /** A private runtime, the engine behind {@link FnClients}. */
    static FnClientsHandle of(FnClientsInstance runtime) {
      return new FnClientsHandle() {
        @Override
        public OkHttpClient http() {
          return runtime.http();
        }

        @Override
        public FnClientsMetrics metrics() {
          return runtime.metrics();
        }
      };
    }
  }

  /**
   * What one variant did. Connections opened are counted by the proxy (what the server side sees).
   *
   * @param clientConnectionsOpened connections the client itself reports having opened (OkHttp's
   *     {@code connectEnd} events, or FnClients' {@code CONNECTIONS_OPENED}), as a cross-check
   * @param reused requests sent on a connection that had carried an earlier request
   * @param idleEvictions FnClients' idle-expired discards at take time, or {@link #NOT_COUNTED}
   * @param retries attempts retried: FnClients' {@code RETRIES} counter, or for a plain OkHttp client
   *     its own silent retries ({@code retryDecision} events that decided to retry)
   * @param retriedMethods the methods of the plain OkHttp client's silent retries, to count
   * @param openAtGapEnd connections the proxy still held open at the end of the idle gaps, summed
   *     over the gaps: idle connections the client had not closed by itself
   * @param killed requests sent into a connection the proxy had already killed
   * @param serverReceived requests the server received
   * @param errors exception class name (with its cause for a {@code RequestNotRetriedException}) to count
   * @param failures one line per failed request, in order
   */
  public record VariantResult(
      Variant variant,
      Mode mode,
      int invocations,
      int ok,
      int failed,
      int connectionsOpened,
      long clientConnectionsOpened,
      long reused,
      long idleEvictions,
      long retries,
      Map<String, Integer> retriedMethods,
      int openAtGapEnd,
      int killed,
      int serverReceived,
      double p50Millis,
      double maxMillis,
      Map<String, Integer> errors,
      List<String> failures) {}

  /** Runs every variant side by side and returns their results in {@link Variant} order. */
  public static List<VariantResult> run(Settings settings, FnClientsHandle fnClients)
      throws InterruptedException {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Variant.values().length,
            r -> {
              Thread t = new Thread(r, "idle-gap-variant");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<VariantResult>> futures = new ArrayList<>();
      for (Variant variant : Variant.values()) {
        futures.add(pool.submit(() -> runVariant(variant, settings, fnClients)));
      }
      long deadline = System.nanoTime() + RUN_BOUND.toNanos();
      List<VariantResult> results = new ArrayList<>();
      for (Future<VariantResult> future : futures) {
        try {
          results.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (ExecutionException e) {
          throw new IllegalStateException("scenario failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
          throw new IllegalStateException("scenario did not finish within " + RUN_BOUND, e);
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends a GET and a POST with a plain OkHttp client and with {@code fnClients}, straight to a
   * throwaway server, so that class loading and the first JIT work are not measured as latency.
   * Nothing is counted; a function would do this work in its first invocation anyway.
   */
  public static void warmUp(FnClientsHandle fnClients) throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.start()) {
      HttpUrl base =
          new HttpUrl.Builder().scheme("http").host(server.address().getHostString()).port(server.address().getPort()).build();
      OkHttpClient plain = new OkHttpClient();
      try {
        for (OkHttpClient client : List.of(plain, fnClients.http())) {
          Tally tally = new Tally(Settings.defaults(Mode.RESET));
          tally.send(client, new Request.Builder().url(base.resolve("/warm-up")).build(), 0, false);
          tally.send(client, new Request.Builder().url(base.resolve("/warm-up")).post(RequestBody.create("{}", JSON)).build(), 0, false);
        }
      } finally {
        shutDown(plain);
      }
    }
  }

  /** Runs one variant against its own server and proxy. */
  static VariantResult runVariant(Variant variant, Settings settings, FnClientsHandle fnClients)
      throws IOException, InterruptedException {
    try (LoopbackHttpServer server = LoopbackHttpServer.start();
        IdleKillingProxy proxy = IdleKillingProxy.start(server.address(), settings.idleLimit(), settings.mode())) {
      HttpUrl base = HttpUrl.get(proxy.url("http"));
      ConnectionCounter counter = new ConnectionCounter();
      Tally tally = new Tally(settings);

      OkHttpClient shared = null;
      FnClientsMetrics stats = null;
      long[] before = null;
      if (variant == Variant.DEFAULT_SHARED) {
        shared = new OkHttpClient.Builder().readTimeout(settings.sharedReadTimeout()).eventListener(counter).build();
      } else if (variant == Variant.FNCLIENTS) {
        shared = fnClients.http();
        stats = fnClients.metrics();
        before = snapshot(stats); // FnClients is instance-global: count only this run
      }

      int openAtGapEnd = 0;
      try {
        for (int i = 1; i <= settings.invocations(); i++) {
          boolean afterGap = i % settings.gapEvery() == 0;
          if (i > 1 || afterGap) {
            Thread.sleep((afterGap ? settings.gap() : settings.pause()).toMillis());
          }
          if (afterGap) {
            openAtGapEnd += proxy.openConnections();
          }
          OkHttpClient client =
              variant == Variant.CLIENT_PER_INVOCATION
                  ? new OkHttpClient.Builder().eventListener(counter).build()
                  : shared;
          try {
            Request get = new Request.Builder().url(base.resolve("/items?invocation=" + i)).build();
            Request post =
                new Request.Builder()
                    .url(base.resolve("/items"))
                    .post(RequestBody.create("{\"invocation\":" + i + ",\"item\":\"demo\"}", JSON))
                    .build();
            boolean getFirst = i % 2 == 1;
            tally.send(client, getFirst ? get : post, i, afterGap);
            tally.send(client, getFirst ? post : get, i, false);
          } finally {
            if (variant == Variant.CLIENT_PER_INVOCATION) {
              shutDown(client);
            }
          }
        }
      } finally {
        if (variant == Variant.DEFAULT_SHARED) {
          shutDown(shared);
        }
      }

      long clientOpened = counter.opened.get();
      long reused = counter.acquired.get() - counter.opened.get();
      long evictions = NOT_COUNTED;
      long retries = counter.retried.values().stream().mapToLong(Integer::longValue).sum();
      if (stats != null) {
        long[] after = snapshot(stats);
        clientOpened = after[0] - before[0];
        reused = after[1] - before[1];
        evictions = after[2] - before[2];
        retries = after[3] - before[3];
      }
      return new VariantResult(
          variant,
          settings.mode(),
          settings.invocations(),
          tally.ok,
          tally.failed,
          proxy.acceptedConnections(),
          clientOpened,
          reused,
          evictions,
          retries,
          Map.copyOf(counter.retried),
          openAtGapEnd,
          proxy.killedConnections(),
          server.requestsReceived(),
          tally.percentileMillis(50),
          tally.percentileMillis(100),
          Collections.unmodifiableMap(tally.errors),
          List.copyOf(tally.failures));
    }
  }

  private static long[] snapshot(FnClientsMetrics stats) {
    return new long[] {
      stats.count("http", MetricNames.CONNECTIONS_OPENED),
      stats.count("http", MetricNames.CONNECTIONS_REUSED),
      stats.count("http", MetricNames.IDLE_EVICTIONS),
      stats.count("http", MetricNames.RETRIES),
    };
  }

  /** What a function does with its per-invocation client before returning. */
  private static void shutDown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  /** Requests sent by one variant: outcomes and latencies. Used by one thread. */
  private static final class Tally {
    final Settings settings;
    int ok;
    int failed;
    final List<Long> latencies = new ArrayList<>();
    final Map<String, Integer> errors = new TreeMap<>();
    final List<String> failures = new ArrayList<>();

    Tally(Settings settings) {
      this.settings = settings;
    }

    void send(OkHttpClient client, Request request, int invocation, boolean afterGap) {
      long start = System.nanoTime();
      String problem;
      try (Response response = client.newCall(request).execute()) {
        String body = response.body().string();
        problem = response.code() == 200 && body.equals("ok") ? null : "HTTP " + response.code();
      } catch (IOException | RuntimeException e) {
        problem = describe(e);
        failures.add(
            "invocation " + invocation + " " + request.method()
                + (afterGap ? " (first request after a " + settings.gap().toMillis() + " ms gap)" : "")
                + " after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + e);
      }
      latencies.add(System.nanoTime() - start);
      if (problem == null) {
        ok++;
      } else {
        failed++;
        errors.merge(problem, 1, Integer::sum);
      }
    }

    /** Nearest-rank percentile of the request latencies, in milliseconds. */
    double percentileMillis(int percentile) {
      if (latencies.isEmpty()) {
        return 0;
      }
      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
      return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    private static String describe(Exception e) {
      String name = e.getClass().getSimpleName();
      if (e instanceof RequestNotRetriedException && e.getCause() != null) {
        name += "(" + e.getCause().getClass().getSimpleName() + ")";
      }
      return name;
    }
  }

  /** Counts connections a plain OkHttp client opens and takes (new or pooled), and its retries. */
  private static final class ConnectionCounter extends EventListener {
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger acquired = new AtomicInteger();
    final Map<String, Integer> retried = new ConcurrentHashMap<>();

    @Override
    public void retryDecision(Call call, IOException exception, boolean retry) {
      if (retry) {
        retried.merge(call.request().method(), 1, Integer::sum);
      }
    }

    @Override
    public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
      opened.incrementAndGet();
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      acquired.incrementAndGet();
    }
  }
}
