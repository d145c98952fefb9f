package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.benchmarks.Clients.ConnectionCounter;
import okhttp3.OkHttpClient;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * A new connection plus the first request on it, on a shared client: each operation evicts the pool
 * and makes one GET. The client and its TLS context are reused, so a TLS session may be resumed,
 * for both variants alike; {@code defaultShared} leaves Nagle's algorithm on, FnClients sets
 * TCP_NODELAY.
 */
public class NewConnectionBenchmark extends HttpBenchmark {
  @Param({"defaultShared", "fnclients"})
  public String variant;

  private OkHttpClient client;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    startServer();
    if (variant.equals("fnclients")) {
      FnClientsInstance fn = fnclients();
      client = Clients.fnclients(fn, tls());
      connections = () -> Clients.opened(fn);
    } else {
      ConnectionCounter counter = new ConnectionCounter();
      client = Clients.defaultClient(counter, clientTls(false));
      connections = counter::opened;
      atEnd(() -> Clients.shutdown(client));
    }
    invocation =
        () -> {
          client.connectionPool().evictAll();
          return Clients.get(client, request);
        };
    check();
  }
}
