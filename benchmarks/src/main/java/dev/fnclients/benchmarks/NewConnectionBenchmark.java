package dev.fnclients.benchmarks;

import okhttp3.OkHttpClient;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/** A new connection and its first request on a shared client: evict the pool, then one GET. */
public class NewConnectionBenchmark extends HttpBenchmark {
  @Param({"defaultShared", "fnclients"})
  public String variant;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    startServer();
    OkHttpClient client = sharedClient(variant);
    invocation =
        () -> {
          client.connectionPool().evictAll();
          return get(client, request);
        };
    check();
  }
}
