package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.testkit.LoopbackHttpServer;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
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

  private Request request;
  private OkHttpClient client;
  private FnClientsInstance fn;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    LoopbackHttpServer server = LoopbackHttpServer.start();
    atEnd(server);
    request = new Request.Builder().url(server.url()).build();
    fn = fnclients();
    client =
        switch (variant) {
          case "raw" -> Clients.rawLikeFnClients(fn);
          case "fnclients" -> Clients.fnclients(fn, null);
          default -> throw new IllegalArgumentException("variant " + variant);
        };
    Clients.get(client, request); // opens the connection every operation then reuses
  }

  /** The measured operation (the inherited benchmark), only counted: anything more would show. */
  @Override
  public String invocation(Counters counters) throws Exception {
    String body = Clients.get(client, request);
    counters.ops++;
    return body;
  }

  /**
   * As {@link #invocation}, but every call comes at least 1.2 ms after the previous one ended, so
   * that FnClients' peer-closed check (one non-blocking read on the reused connection, skipped when
   * its last exchange ended less than 1 ms before, as in {@link #invocation}) runs on every call;
   * the raw client has no such check. fnclients / raw here, set against the same ratio of {@link
   * #invocation}, is what the check costs. The gap is waited out, parked, in {@link IdleGap}'s
   * per-invocation set-up, outside the measured time; the wall time of a call after a gap is mostly
   * threads waking (the server's too), so compare the caller-thread CPU ({@code callerCpuNanos} per
   * {@code ops}) and the bytes per call rather than the time.
   */
  @Benchmark
  public String peerChecked(Counters counters, IdleGap gap) throws Exception {
    return invocation(counters);
  }

  /**
   * Waits before each {@link #peerChecked} call; a state of its own so that no other benchmark gets
   * the wait.
   */
  @State(Scope.Thread)
  public static class IdleGap {
    @Setup(Level.Invocation)
    public void waitOut() {
      // Parked, not spinning, so that the caller-thread CPU counted per iteration stays the calls'
      // own.
      long end = System.nanoTime() + 1_200_000;
      for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
    }
  }

  @TearDown(Level.Iteration)
  public void checkReuse() {
    int pooled = client.connectionPool().connectionCount();
    long opened = variant.equals("fnclients") ? Clients.opened(fn) : -1;
    if (pooled != 1 || opened > 1) {
      System.out.println(
          "WARNING: warm benchmark not on one connection: pooled="
              + pooled
              + (opened >= 0 ? ", opened=" + opened : ""));
    }
  }
}
