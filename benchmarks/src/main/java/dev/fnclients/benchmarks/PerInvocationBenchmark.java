package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.benchmarks.Clients.ConnectionCounter;
import okhttp3.OkHttpClient;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * One invocation making one GET to a loopback server. {@code clientPerInvocation}: a new default
 * {@code OkHttpClient} (for https with a TLS context of its own) per invocation, shut down after
 * it, so a new connection, without TCP_NODELAY, every time; {@code defaultShared}: one default
 * client; {@code fnclients}: one client from {@code FnClientsInstance.http()}, as {@code
 * FnClients.http()}. Connections: OkHttp's {@code connectEnd}, counted by a listener on the default
 * clients and by FnClients' own {@code fnclients.connections.opened}.
 */
public class PerInvocationBenchmark extends HttpBenchmark {
  @Param({"clientPerInvocation", "defaultShared", "fnclients"})
  public String variant;

  private OkHttpClient shared;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    startServer();
    ConnectionCounter counter = new ConnectionCounter();
    connections = counter::opened;
    switch (variant) {
      case "clientPerInvocation" ->
          invocation =
              () -> {
                OkHttpClient client = Clients.defaultClient(counter, clientTls(true));
                try {
                  return Clients.get(client, request);
                } finally {
                  Clients.shutdown(client);
                }
              };
      case "defaultShared" -> {
        shared = Clients.defaultClient(counter, clientTls(false));
        atEnd(() -> Clients.shutdown(shared));
      }
      case "fnclients" -> {
        FnClientsInstance fn = fnclients();
        shared = Clients.fnclients(fn, tls());
        connections = () -> Clients.opened(fn);
      }
      default -> throw new IllegalArgumentException("variant " + variant);
    }
    if (shared != null) {
      invocation = () -> Clients.get(shared, request);
    }
    check();
  }
}
