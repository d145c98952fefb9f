package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.MetricNames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;

/** The clients the benchmarks compare, built the same way in every benchmark. */
final class Clients {
  private Clients() {}

  /** FnClients' own count of the HTTP connections it opened. */
  static long opened(FnClientsInstance fn) {
    return fn.metrics().count("http", MetricNames.CONNECTIONS_OPENED);
  }

  /**
   * FnClients' client; with {@code tls}, a {@code newBuilder()} variant trusting the loopback
   * certificate (sharing the pool and every protection).
   */
  static OkHttpClient fnclients(FnClientsInstance fn, LoopbackTls tls) {
    return tls == null
        ? fn.http()
        : fn.http()
            .newBuilder()
            .sslSocketFactory(tls.client().sslSocketFactory(), tls.client().trustManager())
            .build();
  }

  /** A default {@code OkHttpClient} counting connections, trusting {@code tls} if given. */
  static OkHttpClient defaultClient(ConnectionCounter counter, HandshakeCertificates tls) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder().eventListener(counter);
    if (tls != null) {
      builder.sslSocketFactory(tls.sslSocketFactory(), tls.trustManager());
    }
    return builder.build();
  }

  /**
   * A plain OkHttp client with FnClients' settings (derived from its client: dispatcher, pool,
   * TCP_NODELAY, no OkHttp retry, no fast fallback, timeouts), without its per-call machinery:
   * interceptors, caching DNS, event listeners.
   */
  static OkHttpClient rawLikeFnClients(FnClientsInstance fn) {
    OkHttpClient.Builder builder =
        fn.http().newBuilder().dns(Dns.SYSTEM).eventListener(EventListener.NONE);
    builder.interceptors().clear();
    builder.networkInterceptors().clear();
    return builder.build();
  }

  /** Makes the call, reads the whole body and closes the response. */
  static String get(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      if (response.code() != 200) {
        throw new IOException("unexpected " + response.code() + " from " + request.url());
      }
      return response.body().string();
    }
  }

  /** Shuts a client down the way a per-invocation client must be: executor, then pool. */
  static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  /**
   * Counts connections a plain OkHttp client opens, on the event FnClients counts {@code
   * fnclients.connections.opened} on ({@code connectEnd}), so that the two counts compare.
   */
  static final class ConnectionCounter extends EventListener {
    private final LongAdder opened = new LongAdder();

    @Override
    public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
      opened.increment();
    }

    long opened() {
      return opened.sum();
    }
  }
}
