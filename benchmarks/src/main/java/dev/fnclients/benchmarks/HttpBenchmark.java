package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.LoopbackHttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import org.openjdk.jmh.annotations.Param;

/** A per-invocation benchmark against a loopback HTTP(S) server, and the HTTP clients compared. */
public abstract class HttpBenchmark extends InvocationBenchmark {
  @Param({"http", "https"})
  public String scheme;

  Request request;
  private LoopbackTls tls; // the server's throwaway certificate; null for http

  /** Starts the server; the subclass's set-up calls it first. */
  void startServer() throws IOException {
    tls = scheme.equals("https") ? LoopbackTls.create() : null;
    LoopbackHttpServer server = server(tls);
    atEnd(server);
    request = new Request.Builder().url(server.url()).build();
  }

  static LoopbackHttpServer server(LoopbackTls tls) throws IOException {
    return LoopbackHttpServer.start(tls == null ? null : tls.server().sslContext());
  }

  /** A default client counting connections; {@code fresh}: with a TLS context of its own. */
  OkHttpClient defaultClient(ConnectionCounter counter, boolean fresh) {
    HandshakeCertificates trust = tls == null ? null : fresh ? tls.newClient() : tls.client();
    return trusting(new OkHttpClient.Builder().eventListener(counter), trust);
  }

  /** The client every invocation shares, for {@code variant}; sets {@link #connections}. */
  OkHttpClient sharedClient(String variant) {
    switch (variant) {
      case "defaultShared" -> {
        ConnectionCounter counter = new ConnectionCounter();
        connections = counter::opened;
        OkHttpClient client = defaultClient(counter, false);
        atEnd(() -> shutdown(client));
        return client;
      }
      case "fnclients" -> {
        FnClientsInstance fn = fnclients();
        connections = () -> fn.metrics().count("http", MetricNames.CONNECTIONS_OPENED);
        return fnclients(fn, tls);
      }
      default -> throw new IllegalArgumentException("variant " + variant);
    }
  }

  /** FnClients' client; for TLS a {@code newBuilder()} variant, sharing pool and protections. */
  static OkHttpClient fnclients(FnClientsInstance fn, LoopbackTls tls) {
    return tls == null ? fn.http() : trusting(fn.http().newBuilder(), tls.client());
  }

  /** Builds {@code builder}, trusting the loopback certificate through {@code trust} if given. */
  static OkHttpClient trusting(OkHttpClient.Builder builder, HandshakeCertificates trust) {
    return trust == null
        ? builder.build()
        : builder.sslSocketFactory(trust.sslSocketFactory(), trust.trustManager()).build();
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

  /** Shuts a per-invocation client down: executor, then pool. */
  static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  /** Connections opened, on the event FnClients counts its own on ({@code connectEnd}). */
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
