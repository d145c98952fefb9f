package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.grpc.GrpcConfig;
import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.testkit.LoopbackHttpServer;
import dev.fnclients.testkit.grpc.EchoGrpcServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Dns;
import okhttp3.EventListener;
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
 * What FnClients costs a warm call: one call through FnClients and one through a baseline client
 * per operation, alternating which goes first, each side counted ({@link Sides}). See the README.
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

  private Callable<String> fnclients;
  private Callable<String> baseline;
  private long gapNanos;

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** Each side's counts, summed per iteration (JMH reports {@code EVENTS} counters as sums). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Sides {
    private static final com.sun.management.ThreadMXBean THREAD =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

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

    String count(Callable<String> call, boolean isFnclients) throws Exception {
      long bytes = THREAD.getCurrentThreadAllocatedBytes();
      long cpu = THREAD.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      String answer = call.call();
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
    LoopbackTls tls = comparison.matches("https|grpc-tls") ? LoopbackTls.create() : null;
    if (comparison.startsWith("grpc")) {
      EchoGrpcServer server = GrpcPerInvocationBenchmark.startServer(tls);
      resources.push(server);
      FnClientsInstance fn = instance();
      GrpcConfig options = GrpcPerInvocationBenchmark.fnclientsOptions(tls);
      ManagedChannel channel = GrpcPerInvocationBenchmark.defaultChannel(server.target(), tls);
      resources.push(() -> GrpcPerInvocationBenchmark.close(channel));
      fnclients = () -> say(fn.grpc(server.target(), options));
      baseline = () -> say(channel);
    } else {
      LoopbackHttpServer server = HttpBenchmark.server(tls);
      resources.push(server);
      Request request = new Request.Builder().url(server.url()).build();
      OkHttpClient pooled = HttpBenchmark.fnclients(instance(), tls);
      OkHttpClient http;
      if (comparison.startsWith("http-same-settings")) {
        // From an instance of its own (which shuts it down), sharing no pool or dispatcher.
        http = rawLikeFnClients(instance());
      } else {
        http =
            HttpBenchmark.trusting(new OkHttpClient.Builder(), tls == null ? null : tls.client());
        resources.push(() -> HttpBenchmark.shutdown(http));
      }
      fnclients = () -> HttpBenchmark.get(pooled, request);
      baseline = () -> HttpBenchmark.get(http, request);
    }
    gapNanos = comparison.endsWith("-idle") ? 1_200_000 : 0;
    fnclients.call(); // opens each client's connection, then every call reuses it
    baseline.call();
  }

  private FnClientsInstance instance() {
    FnClientsInstance fn = FnClientsInstance.create(FnClientsConfig.custom().build());
    resources.push(fn::shutdown);
    return fn;
  }

  /** OkHttp with FnClients' settings, without its interceptors, caching DNS and listeners. */
  private static OkHttpClient rawLikeFnClients(FnClientsInstance fn) {
    OkHttpClient.Builder builder =
        fn.http().newBuilder().dns(Dns.SYSTEM).eventListener(EventListener.NONE);
    builder.interceptors().clear();
    builder.networkInterceptors().clear();
    return builder.build();
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
    while (!resources.isEmpty()) {
      resources.pop().close();
    }
  }
}
