package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * What FnClients costs a warm call, paired: each operation is one call through FnClients and one
 * through a baseline client, to the same loopback server on an open connection, alternating which
 * goes first. Each call's wall time, caller-thread CPU time and caller-thread allocation are
 * counted per side ({@link Sides}); the report divides FnClients' sums by the baseline's.
 *
 * <p>Why paired: the per-invocation benchmarks run each client in its own fork, minutes apart, and
 * on 2 cores their iterations drift by up to 15% with where the threads land, more than the few
 * percent to be resolved here. Paired calls meet the same drift. The price: both clients' code runs
 * in one JVM, so OkHttp's and gRPC's call sites see both (as in a function using both).
 *
 * <p>The comparisons ({@code comparison}):
 *
 * <ul>
 *   <li>{@code http}, {@code https}, {@code grpc-plaintext}, {@code grpc-tls}: against one default
 *       client shared across invocations ({@code new OkHttpClient()}, a default {@code
 *       ManagedChannel}); FnClients called as a function calls it, {@code grpc(target, options)} on
 *       every invocation;
 *   <li>{@code http-same-settings}: against a raw {@code OkHttpClient} with FnClients' settings
 *       ({@link Clients#rawLikeFnClients}), so the difference is FnClients' interceptors, listeners
 *       and sockets alone;
 *   <li>{@code http-same-settings-idle}: the same, each call at least 1.2 ms after the client's
 *       previous one, so that FnClients' peer-closed check (skipped within 1 ms of the last
 *       exchange) runs on every call; the wait is parked, outside the counted time.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 3,
    jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WarmCostBenchmark {
  @Param({
    "http",
    "https",
    "grpc-plaintext",
    "grpc-tls",
    "http-same-settings",
    "http-same-settings-idle"
  })
  public String comparison;

  /** One warm call, returning the answer. */
  interface Call {
    String run() throws Exception;
  }

  private Call fnclients;
  private Call baseline;
  private long gapNanos;
  private AutoCloseable server;
  private FnClientsInstance fn;
  private FnClientsInstance rawSettings;
  private OkHttpClient http;
  private ManagedChannel channel;

  /** Each side's counts, summed per iteration (JMH reports {@code EVENTS} counters as sums). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Sides {
    private static final com.sun.management.ThreadMXBean THREAD =
        (com.sun.management.ThreadMXBean) Counters.THREADS;

    public long pairs;
    public long fnclientsNanos;
    public long baselineNanos;
    public long fnclientsCpuNanos;
    public long baselineCpuNanos;
    public long fnclientsBytes;
    public long baselineBytes;

    @Setup(Level.Iteration)
    public void reset() {
      pairs = fnclientsNanos = baselineNanos = 0;
      fnclientsCpuNanos = baselineCpuNanos = fnclientsBytes = baselineBytes = 0;
    }

    /** Makes the call and counts it for FnClients' side or the baseline's. */
    String count(Call call, boolean isFnclients) throws Exception {
      long bytes = THREAD.getCurrentThreadAllocatedBytes();
      long cpu = THREAD.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      String answer = call.run();
      long nanos = System.nanoTime() - start;
      cpu = THREAD.getCurrentThreadCpuTime() - cpu;
      bytes = THREAD.getCurrentThreadAllocatedBytes() - bytes;
      if (isFnclients) {
        fnclientsNanos += nanos;
        fnclientsCpuNanos += cpu;
        fnclientsBytes += bytes;
      } else {
        baselineNanos += nanos;
        baselineCpuNanos += cpu;
        baselineBytes += bytes;
      }
      return answer;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    fn = FnClientsInstance.create(FnClientsConfig.custom().build());
    if (comparison.startsWith("grpc")) {
      setUpGrpc(comparison.equals("grpc-tls") ? LoopbackTls.create() : null);
    } else {
      setUpHttp(comparison.equals("https") ? LoopbackTls.create() : null);
    }
    gapNanos = comparison.endsWith("-idle") ? 1_200_000 : 0;
    fnclients.run(); // opens each client's connection, then every call reuses it
    baseline.run();
  }

  private void setUpHttp(LoopbackTls tls) throws Exception {
    LoopbackHttpServer httpServer =
        LoopbackHttpServer.start(tls == null ? null : tls.server().sslContext());
    server = httpServer;
    Request request = new Request.Builder().url(httpServer.url()).build();
    if (comparison.startsWith("http-same-settings")) {
      // From an instance of its own, so that it shares no pool or dispatcher with FnClients'
      // client.
      rawSettings = FnClientsInstance.create(FnClientsConfig.custom().build());
      http = Clients.rawLikeFnClients(rawSettings);
    } else if (tls == null) {
      http = new OkHttpClient();
    } else {
      http =
          new OkHttpClient.Builder()
              .sslSocketFactory(tls.client().sslSocketFactory(), tls.client().trustManager())
              .build();
    }
    OkHttpClient pooled = Clients.fnclients(fn, tls);
    fnclients = () -> Clients.get(pooled, request);
    baseline = () -> Clients.get(http, request);
  }

  private void setUpGrpc(LoopbackTls tls) throws Exception {
    EchoGrpcServer grpcServer = GrpcPerInvocationBenchmark.startServer(tls);
    server = grpcServer;
    String target = grpcServer.target();
    GrpcConfig options = GrpcPerInvocationBenchmark.fnclientsOptions(tls);
    channel = Grpc.newChannelBuilder(target, GrpcPerInvocationBenchmark.credentials(tls)).build();
    fnclients = () -> say(fn.grpc(target, options));
    baseline = () -> say(channel);
  }

  private static String say(Channel channel) {
    return EchoGrpcServer.call(channel, EchoGrpcServer.SAY, "ok", CallOptions.DEFAULT);
  }

  @Benchmark
  public String pair(Sides sides) throws Exception {
    boolean fnclientsFirst = (sides.pairs++ & 1) == 0;
    String first = call(sides, fnclientsFirst);
    return first + call(sides, !fnclientsFirst);
  }

  private String call(Sides sides, boolean isFnclients) throws Exception {
    if (gapNanos > 0) {
      // Parked, not spinning, so that the caller-thread CPU counted stays the calls' own.
      long end = System.nanoTime() + gapNanos;
      for (long left = gapNanos; left > 0; left = end - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
    }
    return sides.count(isFnclients ? fnclients : baseline, isFnclients);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    if (channel != null) {
      GrpcPerInvocationBenchmark.close(channel);
    }
    if (rawSettings != null) {
      rawSettings.shutdown(); // the raw client's pool and dispatcher are its instance's
    } else if (http != null) {
      Clients.shutdown(http);
    }
    fn.shutdown();
    server.close();
  }
}
