package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.testkit.LoopbackHttpServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

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
 * <p>Connections opened: OkHttp's {@code connectEnd} event, counted by a listener on the default
 * clients and by FnClients' own {@code fnclients.connections.opened} on its client.
 */
public class PerInvocationBenchmark extends InvocationBenchmark {
  @Param({"clientPerInvocation", "defaultShared", "fnclients"})
  public String variant;

  @Param({"http", "https"})
  public String scheme;

  private LoopbackHttpServer server;
  private OkHttpClient shared;
  private FnClientsInstance fn;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    LoopbackTls tls = scheme.equals("https") ? LoopbackTls.create() : null;
    server = LoopbackHttpServer.start(tls == null ? null : tls.server().sslContext());
    Request request = new Request.Builder().url(server.url()).build();
    ConnectionCounter counter = new ConnectionCounter();
    connections = counter::opened;
    switch (variant) {
      case "clientPerInvocation":
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
        invocation = () -> Clients.get(shared, request);
        break;
      case "fnclients":
        fn = FnClientsInstance.create(FnClientsConfig.custom().build());
        shared = Clients.fnclients(fn, tls);
        connections = () -> fn.metrics().count("http", MetricNames.CONNECTIONS_OPENED);
        invocation = () -> Clients.get(shared, request);
        break;
      default:
        throw new IllegalArgumentException("variant " + variant);
    }
    check();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    Clients.close(shared, fn);
    server.close();
  }
}
