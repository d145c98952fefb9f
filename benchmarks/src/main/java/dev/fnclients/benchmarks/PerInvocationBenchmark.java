package dev.fnclients.benchmarks;

import okhttp3.OkHttpClient;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/** One invocation making one GET; variants in the README. */
public class PerInvocationBenchmark extends HttpBenchmark {
  @Param({"clientPerInvocation", "defaultShared", "fnclients"})
  public String variant;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    startServer();
    if (variant.equals("clientPerInvocation")) {
      ConnectionCounter counter = new ConnectionCounter();
      connections = counter::opened;
      invocation =
          () -> {
            OkHttpClient client = defaultClient(counter, true);
            try {
              return get(client, request);
            } finally {
              shutdown(client);
            }
          };
    } else {
      OkHttpClient shared = sharedClient(variant);
      invocation = () -> get(shared, request);
    }
    check();
  }
}
