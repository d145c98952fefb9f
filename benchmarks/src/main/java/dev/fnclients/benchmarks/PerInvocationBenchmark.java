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
 * The cost of one function invocation that makes one GET to a loopback server.
 *
 * <ul>
 *   <li>{@code clientPerInvocation}: the anti-pattern. Each invocation builds a new default
 *       {@code OkHttpClient} (for https with a new TLS context of its own, as a default client
 *       builds one), makes the call, then shuts the dispatcher's executor down and evicts the pool.
 *       Every invocation pays a new TCP (and TLS) connection, without TCP_NODELAY.
 *   <li>{@code defaultShared}: one default {@code OkHttpClient} reused by every invocation.
 *   <li>{@code fnclients}: one client from {@code FnClientsInstance.http()} reused, as {@code FnClients.http()}
 *       gives it.
 * </ul>
 *
 * <p>Secondary figures: {@code connectionsPerOp} (OkHttp's {@code connectEnd} event, counted by a
 * listener on the default clients and by FnClients' own {@code fnclients.connections.opened} on
 * its client) and {@code liveThreads}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
public class PerInvocationBenchmark {
  @Param({"clientPerInvocation", "defaultShared", "fnclients"})
  public String variant;

  @Param({"http", "https"})
  public String scheme;

  private LoopbackTls tls;
  private LoopbackHttpServer server;
  private Request request;
  private final ConnectionCounter counter = new ConnectionCounter();
  private OkHttpClient shared;
  private FnClientsInstance fn;
  private LongSupplier connectionsOpened;
  private Invocation invocation;

  /** One function invocation. */
  private interface Invocation {
    String run() throws Exception;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    tls = scheme.equals("https") ? LoopbackTls.create() : null;
    server = LoopbackHttpServer.start(tls == null ? null : tls.server().sslContext());
    request = new Request.Builder().url(server.url()).build();
    switch (variant) {
      case "clientPerInvocation":
        connectionsOpened = counter::opened;
        invocation = () -> {
          OkHttpClient client = Clients.defaultClient(counter, tls == null ? null : tls.newClient());
          try {
            return Clients.get(client, request);
          } finally {
            Clients.shutdown(client);
          }
        };
        break;
      case "defaultShared":
        shared = Clients.defaultClient(counter, tls == null ? null : tls.client());
        connectionsOpened = counter::opened;
        invocation = () -> Clients.get(shared, request);
        break;
      case "fnclients":
        fn = FnClientsInstance.create(FnClientsConfig.custom().build());
        shared = Clients.fnclients(fn, tls);
        connectionsOpened = () -> fn.metrics().count("http", MetricNames.CONNECTIONS_OPENED);
        invocation = () -> Clients.get(shared, request);
        break;
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
    Clients.expectOk(invocation.run());
  }

  @Benchmark
  public String invocation(Counters counters) throws Exception {
    long before = connectionsOpened.getAsLong();
    String body = invocation.run();
    counters.record(connectionsOpened.getAsLong() - before);
    return body;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (shared != null) {
      if (variant.equals("fnclients")) {
        Clients.closeFnClients(fn);
      } else {
        Clients.shutdown(shared);
      }
    }
    server.close();
  }
}
