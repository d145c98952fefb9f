package dev.fnclients.benchmarks;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.FnClientsInstance;
import dev.fnclients.testkit.LoopbackHttpServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A warm GET on an open plain-HTTP connection: a raw {@code OkHttpClient} with FnClients' settings
 * ({@link Clients#rawLikeFnClients}) against FnClients' client, so the difference is the cost of
 * FnClients' interceptors and listeners. Nothing but an operation count runs in the measured
 * operation; connection reuse is checked after each iteration.
 */
@Measurement(iterations = 5, time = 2)
public class WarmOverheadBenchmark extends InvocationBenchmark {
  @Param({"raw", "fnclients"})
  public String variant;

  private LoopbackHttpServer server;
  private Request request;
  private OkHttpClient client;
  private FnClientsInstance fn;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    server = LoopbackHttpServer.start();
    request = new Request.Builder().url(server.url()).build();
    FnClientsConfig config = FnClientsConfig.custom().build();
    switch (variant) {
      case "raw":
        fn = FnClientsInstance.create(config);
        client = Clients.rawLikeFnClients(fn);
        break;
      case "fnclients":
        fn = FnClientsInstance.create(config);
        client = Clients.fnclients(fn, null);
        break;
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
    Clients.get(client, request); // opens the connection every operation then reuses
  }

  /** The measured operation (the inherited benchmark), only counted: anything more would show. */
  @Override
  public String invocation(Counters counters) throws Exception {
    String body = Clients.get(client, request);
    counters.ops++;
    return body;
  }

  @TearDown(Level.Iteration)
  public void checkReuse() {
    int pooled = client.connectionPool().connectionCount();
    long opened = variant.equals("fnclients") ? fn.metrics().count("http", MetricNames.CONNECTIONS_OPENED) : -1;
    if (pooled != 1 || opened > 1) {
      System.out.println("WARNING: warm benchmark not on one connection: pooled=" + pooled
          + (opened >= 0 ? ", opened=" + opened : ""));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    fn.shutdown();
    server.close();
  }
}
