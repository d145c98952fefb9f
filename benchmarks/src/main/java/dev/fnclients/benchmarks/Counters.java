package dev.fnclients.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The secondary figures JMH has no profiler for (allocation comes from its {@code -prof gc}), as
 * raw counts per iteration; JMH sums {@code EVENTS} counters, so {@link Report} divides them by
 * {@code ops}. Per operation, through {@link #record}: connections opened and live threads ({@link
 * Thread#activeCount()}, JMH's and the servers' threads included). Once per iteration: threads
 * started, the JVM's CPU time and the benchmark thread's (the client side of a synchronous call),
 * both less moved than wall time by other processes.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Counters {
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  public long ops;
  public long connectionsOpened;
  public long liveThreadSamples;

  /**
   * The most live threads after an operation in this iteration; Report takes the max over
   * iterations.
   */
  public long liveThreadsPeak;

  private long cpuStart;
  private long threadsStartedAtStart;
  private long callerCpuStart;

  @Setup(Level.Iteration)
  public void reset() {
    ops = 0;
    connectionsOpened = 0;
    liveThreadSamples = 0;
    liveThreadsPeak = 0;
    cpuStart = OS.getProcessCpuTime();
    threadsStartedAtStart = THREADS.getTotalStartedThreadCount();
    callerCpuStart =
        THREADS.getCurrentThreadCpuTime(); // JMH runs thread-scoped setup on the benchmark thread
  }

  /**
   * Records one operation that opened {@code opened} connections and had {@code live} threads alive
   * when its answer arrived (a client torn down at the end of the operation has ended its threads
   * by then).
   */
  void record(long opened, int live) {
    ops++;
    connectionsOpened += opened;
    liveThreadSamples += live;
    liveThreadsPeak = Math.max(liveThreadsPeak, live);
  }

  /** Threads the JVM started during the iteration: a client built per invocation starts its own. */
  public long threadsStarted() {
    return THREADS.getTotalStartedThreadCount() - threadsStartedAtStart;
  }

  public long processCpuMicros() {
    return (OS.getProcessCpuTime() - cpuStart) / 1000;
  }

  /** Read by JMH on the benchmark thread. */
  public long callerCpuNanos() {
    return THREADS.getCurrentThreadCpuTime() - callerCpuStart;
  }
}
