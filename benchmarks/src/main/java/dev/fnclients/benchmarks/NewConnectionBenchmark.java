package dev.fnclients.benchmarks;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.testkit.LoopbackHttpServer;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A new connection plus the first request on it, on a shared client: each operation evicts the
 * pool ({@code connectionPool().evictAll()}) and then makes one GET, so every operation opens a
 * connection (see {@code connectionsPerOp}). The client and its TLS context are reused, so a TLS
 * session may be resumed, for both variants alike. {@code defaultShared} leaves Nagle's algorithm
 * on, as OkHttp does by default; FnClients sets TCP_NODELAY.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
public class NewConnectionBenchmark {
  @Param({"defaultShared", "fnclients"})
  public String variant;

  @Param({"http", "https"})
  public String scheme;

  private LoopbackTls tls;
  private LoopbackHttpServer server;
  private Request request;
  private OkHttpClient client;
  private FnClientsInstance fn;
  private LongSupplier connectionsOpened;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    tls = scheme.equals("https") ? LoopbackTls.create() : null;
    server = LoopbackHttpServer.start(tls == null ? null : tls.server().sslContext());
    request = new Request.Builder().url(server.url()).build();
    switch (variant) {
      case "defaultShared":
        ConnectionCounter counter = new ConnectionCounter();
        client = Clients.defaultClient(counter, tls == null ? null : tls.client());
        connectionsOpened = counter::opened;
        break;
      case "fnclients":
        fn = FnClientsInstance.create(FnClientsConfig.custom().build());
        client = Clients.fnclients(fn, tls);
        connectionsOpened = () -> fn.metrics().count("http", MetricNames.CONNECTIONS_OPENED);
        break;
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
    Clients.expectOk(Clients.get(client, request));
  }

  @Benchmark
  public String newConnectionGet(Counters counters) throws Exception {
    client.connectionPool().evictAll();
    long before = connectionsOpened.getAsLong();
    String body = Clients.get(client, request);
    counters.record(connectionsOpened.getAsLong() - before);
    return body;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (variant.equals("fnclients")) {
      Clients.closeFnClients(fn);
    } else {
      Clients.shutdown(client);
    }
    server.close();
  }
}
