package dev.fnclients.http.spi;

import dev.fnclients.http.internal.CachingDns;
import dev.fnclients.http.internal.ConnectionEvents;
import dev.fnclients.http.internal.HttpCaps;
import dev.fnclients.http.internal.IdleCheckInterceptor;
import dev.fnclients.http.internal.SafeRetryInterceptor;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.spi.ConnectionCap;
import dev.fnclients.spi.DnsCache;
import dev.fnclients.spi.IdlePolicy;
import dev.fnclients.spi.SafeRetry;
import dev.fnclients.spi.TransportStats;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.okhttp3.OkHttpMetricsEventListener;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/**
 * Builds the OkHttp client FnClients shares per instance. Use it through {@code FnClients.http()};
 * this type is for embedding the client in another registry or building one with its own
 * configuration.
 *
 * <p>The client differs from a default {@code OkHttpClient} in these ways, all shared by its {@code
 * newBuilder()} variants (they share the pool, the dispatcher and the interceptors):
 *
 * <ul>
 *   <li>a connection idle longer than {@link FnClientsConfig#maxIdleAge()} is discarded when taken,
 *       before a request is written to it, and the request goes on a fresh connection;
 *   <li>failures are retried only when safe (see {@link RequestNotRetriedException}), and so are
 *       the statuses of {@link FnClientsConfig#retryStatuses()} (408, 429, 502, 503, 504), after
 *       {@code Retry-After} or backoff, with one retry budget and never past the call's deadline;
 *       OkHttp's own method-blind {@code retryOnConnectionFailure} is off;
 *   <li>sockets, in use and pooled, are capped per host and in total, and calls wait for them alike
 *       for {@code execute()} and {@code enqueue()} ({@link
 *       dev.fnclients.pool.ConnectionCapExceededException} after {@link FnClientsConfig#capWait()}
 *       or at the call's deadline); fast fallback is off so a call opens one connection at a time;
 *   <li>a pooled HTTP/1 connection the server has closed is found before a request is written to
 *       it;
 *   <li>TCP_NODELAY is set; DNS answers are cached with stale-if-error;
 *   <li>timeouts: connect 5 s, read 15 s, write 15 s, whole call 30 s by default;
 *   <li>metrics: {@link MetricNames} counters plus Micrometer's OkHttp request timer {@value
 *       MetricNames#HTTP_REQUESTS}.
 * </ul>
 */
public final class FnHttp {
  private FnHttp() {}

  /** A client for {@code config}, counting into {@code stats}. */
  public static OkHttpClient newClient(FnClientsConfig config, TransportStats stats) {
    return newClient(config, stats, Dns.SYSTEM);
  }

  /** As {@link #newClient(FnClientsConfig, TransportStats)}, resolving names with {@code dns}. */
  public static OkHttpClient newClient(FnClientsConfig config, TransportStats stats, Dns dns) {
    // The dispatcher does not limit: an enqueue()d call starts at once (so its call timeout starts
    // at enqueue()) and waits at the connection cap like an execute() caller, within capWait and
    // the call's deadline. OkHttp's own limits would queue it first, with no timeout at all.
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(Integer.MAX_VALUE);
    dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);

    EventListener events = new ConnectionEvents(stats);
    HttpCaps caps = HttpCaps.of(config, stats);

    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(
            new ConnectionPool(
                config.maxConnections(), config.maxIdleAge().toMillis(), TimeUnit.MILLISECONDS))
        .addInterceptor(
            new SafeRetryInterceptor(
                ConnectionCap.of(config, stats),
                new SafeRetry("http", config, stats),
                config.retryStatuses(),
                stats))
        .addNetworkInterceptor(new IdleCheckInterceptor(IdlePolicy.of(config), stats, caps))
        .retryOnConnectionFailure(false)
        .fastFallback(false)
        .socketFactory(caps.socketFactory())
        .dns(new CachingDns(DnsCache.of(config, stats), dns))
        .eventListenerFactory(new TimedWhenRecording(stats, events))
        .connectTimeout(config.connectTimeout())
        .readTimeout(config.readTimeout())
        .writeTimeout(config.writeTimeout())
        .callTimeout(config.callTimeout())
        .build();
  }

  /**
   * Attaches Micrometer's request timer to a call only once FnClients' metrics are bound to a
   * registry: the timer costs tags and a lookup per request, and its classes at cold start. Checked
   * per call, so a registry bound later is picked up.
   */
  private static final class TimedWhenRecording implements EventListener.Factory {
    private final TransportStats stats;
    private final EventListener untimed;
    private volatile EventListener timed; // built when first needed: it costs classes at cold start

    TimedWhenRecording(TransportStats stats, EventListener untimed) {
      this.stats = stats;
      this.untimed = untimed;
    }

    @Override
    public EventListener create(okhttp3.Call call) {
      if (!stats.recording()) {
        return untimed;
      }
      EventListener t = timed;
      if (t == null) {
        synchronized (this) {
          if (timed == null) {
            timed = RequestTimer.plus(untimed, stats);
          }
          t = timed;
        }
      }
      return t;
    }
  }

  /**
   * Micrometer's OkHttp timer, in a class of its own: the JVM loads what a method names only when
   * that class is verified, so a function whose metrics are never bound never loads it.
   */
  private static final class RequestTimer {
    static EventListener plus(EventListener untimed, TransportStats stats) {
      return untimed.plus(
          OkHttpMetricsEventListener.builder(stats.registry(), MetricNames.HTTP_REQUESTS)
              .tags(Tags.of(MetricNames.TRANSPORT_TAG, stats.transport()))
              .build());
    }
  }

  /**
   * Waits up to {@code timeout} for calls in flight on the dispatcher, then closes every pooled
   * connection. Safe to call more than once.
   */
  public static void close(OkHttpClient client, Duration timeout) throws InterruptedException {
    ExecutorService executor = client.dispatcher().executorService();
    executor.shutdown();
    try {
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        client.dispatcher().cancelAll();
      }
    } finally {
      client.connectionPool().evictAll();
    }
  }
}
