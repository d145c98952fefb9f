package dev.fnclients.benchmarks;

import dev.fnclients.FnClientsInstance;
import dev.fnclients.pool.FnClientsConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
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
 * What the per-invocation benchmarks share (JMH runs inherited annotations and {@code @Benchmark}
 * methods as the subclass's): one operation is one function invocation, set up by the subclass.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
public abstract class InvocationBenchmark {
  /** One function invocation, returning its answer. */
  Callable<String> invocation;

  /** Connections opened so far, as the subclass counts them. */
  LongSupplier connections;

  /** Live threads when the last answer arrived, for clients torn down within the invocation. */
  private int liveAtAnswer = -1;

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** Notes the live threads on an answer, before a per-invocation client's threads end. */
  String answered(String answer) {
    liveAtAnswer = Thread.activeCount();
    return answer;
  }

  /** Closes {@code resource} after the trial, before what was set up earlier. */
  void atEnd(AutoCloseable resource) {
    resources.push(resource);
  }

  /** A private {@link FnClientsInstance}, so that every fork starts clean; shut down at the end. */
  FnClientsInstance fnclients() {
    FnClientsInstance fn = FnClientsInstance.create(FnClientsConfig.custom().build());
    atEnd(fn::shutdown);
    return fn;
  }

  @TearDown(Level.Trial)
  public void closeAll() throws Exception {
    while (!resources.isEmpty()) {
      resources.pop().close();
    }
  }

  /** One invocation before the measurement, which must answer. */
  void check() throws Exception {
    if (invocation.call().isEmpty()) {
      throw new IllegalStateException("no answer from the set-up invocation");
    }
  }

  @Benchmark
  public String invocation(Counters counters) throws Exception {
    long before = connections.getAsLong();
    String answer = invocation.call();
    int live = liveAtAnswer < 0 ? Thread.activeCount() : liveAtAnswer;
    counters.ops++;
    counters.connectionsOpened += connections.getAsLong() - before;
    counters.liveThreadSamples += live;
    counters.liveThreadsPeak = Math.max(counters.liveThreadsPeak, live);
    return answer;
  }

  /**
   * The secondary figures JMH has no profiler for (allocation is {@code -prof gc}'s), raw counts
   * per iteration that {@link Report} divides by {@code ops}; the README defines each.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counters {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public long ops;
    public long connectionsOpened;
    public long liveThreadSamples;
    public long liveThreadsPeak; // of this iteration; Report takes the max over iterations

    private long cpuStart;
    private long threadsStartedAtStart;
    private long callerCpuStart;

    @Setup(Level.Iteration) // thread-scoped: JMH runs it on the benchmark thread
    public void reset() {
      ops = connectionsOpened = liveThreadSamples = liveThreadsPeak = 0;
      cpuStart = OS.getProcessCpuTime();
      threadsStartedAtStart = THREADS.getTotalStartedThreadCount();
      callerCpuStart = THREADS.getCurrentThreadCpuTime();
    }

    public long threadsStarted() {
      return THREADS.getTotalStartedThreadCount() - threadsStartedAtStart;
    }

    public long processCpuMicros() {
      return (OS.getProcessCpuTime() - cpuStart) / 1000;
    }

    public long callerCpuNanos() { // JMH reads it on the benchmark thread
      return THREADS.getCurrentThreadCpuTime() - callerCpuStart;
    }
  }
}
