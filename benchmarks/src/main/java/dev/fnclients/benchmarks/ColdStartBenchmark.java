package dev.fnclients.benchmarks;

import dev.fnclients.FnClients;
import dev.fnclients.testkit.LoopbackHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold start: the first GET of a fresh JVM, from nothing loaded to the body read, through {@code
 * FnClients.http()} (the real static facade) or a raw {@code new OkHttpClient()}. Single shot, no
 * warmup, one operation per fork, each method in forks of its own; the score is the mean over
 * forks. The loopback server answers once before the measurement. Secondary figures: the classes
 * loaded and the benchmark thread's CPU time during the call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 20,
    jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = 1)
public class ColdStartBenchmark {
  private LoopbackHttpServer server;
  private String url;

  /**
   * Classes loaded and the benchmark thread's CPU time during the measured call (JIT threads not in
   * it).
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class ColdCounters {
    /** Always 1: JMH sums counters over forks, and Report divides by this. */
    public long ops;

    public long classesLoaded;
    public long callerCpuNanos;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    // JDK classes only: nothing of OkHttp is loaded before the measurement.
    server = LoopbackHttpServer.start();
    url = server.url();
    // The server's own first request, over the JDK's client, before the measurement.
    try (InputStream in = URI.create(url).toURL().openStream()) {
      in.readAllBytes();
    }
    // The measuring tools load before the measurement, not inside it.
    Probe.start().stop(new ColdCounters());
  }

  @Benchmark
  public String rawOkHttp(ColdCounters counters) throws IOException {
    return firstCall(counters, false);
  }

  @Benchmark
  public String fnclients(ColdCounters counters) throws IOException {
    return firstCall(counters, true);
  }

  /** A branch rather than a lambda: a lambda's class would be spun inside the measurement. */
  private String firstCall(ColdCounters counters, boolean fnclients) throws IOException {
    Probe probe = Probe.start();
    String body = fnclients ? FnClientsPath.get(url) : RawPath.get(url);
    probe.stop(counters);
    return body;
  }

  /** Reads the classes loaded and the calling thread's CPU time around a measured call. */
  static final class Probe {
    private final long classes =
        ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    private final long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();

    static Probe start() {
      return new Probe();
    }

    void stop(ColdCounters counters) {
      counters.callerCpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu;
      counters.classesLoaded =
          ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - classes;
      counters.ops = 1;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    server.close();
  }

  // The client code lives in classes of its own, loaded on the first call inside the measurement:
  // nothing OkHttp or FnClients is touched while the benchmark class itself is loaded and verified.

  /** A function holding a default OkHttp client, built on first use. */
  static final class RawPath {
    static String get(String url) throws IOException {
      OkHttpClient client = new OkHttpClient();
      try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
        return response.body().string();
      }
    }
  }

  /** A function using {@code FnClients.http()}. */
  static final class FnClientsPath {
    static String get(String url) throws IOException {
      try (Response response =
          FnClients.http().newCall(new Request.Builder().url(url).build()).execute()) {
        return response.body().string();
      }
    }
  }
}
