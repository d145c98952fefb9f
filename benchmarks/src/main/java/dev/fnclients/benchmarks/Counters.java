package dev.fnclients.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Secondary figures as raw counts, reset each iteration: {@code ops} (operations measured),
 * {@code connectionsOpened}, {@code liveThreadSamples} (the sum over operations of
 * {@link Thread#activeCount()} sampled after each one; the count includes JMH's own threads and the
 * loopback server's four, the same for every variant), {@code processCpuMicros} (CPU time the
 * whole JVM used during the iteration) and {@code callerCpuNanos} and
 * {@code callerAllocatedBytes} (CPU time and allocation of the benchmark thread, i.e. the client
 * side; see {@link ProcessCpu}).
 *
 * <p>JMH sums {@code EVENTS} counters over iterations, so they are kept as counts and
 * {@link Report} divides them by {@code ops}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Counters {
  public long ops;
  public long connectionsOpened;
  public long liveThreadSamples;
  /** The most live threads seen after an operation in this iteration; Report takes the max over iterations from the raw data. */
  public long liveThreadsPeak;
  private long cpuStart;
  private long threadsStartedAtStart;
  private long callerCpuStart;
  private long callerAllocStart;

  @Setup(Level.Iteration)
  public void reset() {
    ops = 0;
    connectionsOpened = 0;
    liveThreadSamples = 0;
    liveThreadsPeak = 0;
    cpuStart = ProcessCpu.nanos();
    threadsStartedAtStart = ProcessCpu.threadsStarted();
    callerCpuStart = ProcessCpu.currentThreadNanos(); // JMH runs thread-scoped setup on the benchmark thread
    callerAllocStart = ProcessCpu.currentThreadAllocatedBytes();
  }

  /** Records one operation that opened {@code opened} connections; live threads sampled now. */
  void record(long opened) {
    record(opened, Thread.activeCount());
  }

  /**
   * Records one operation that opened {@code opened} connections and had {@code live} threads
   * alive when its answer arrived (for clients torn down at the end of the operation, sampling
   * afterwards would miss the threads they ran on).
   */
  void record(long opened, int live) {
    ops++;
    connectionsOpened += opened;
    liveThreadSamples += live;
    if (live > liveThreadsPeak) {
      liveThreadsPeak = live;
    }
  }

  /**
   * Threads the JVM started during the iteration (read once at its end, nothing per operation): a
   * client that builds an executor or event loop per invocation starts threads every time.
   */
  public long threadsStarted() {
    return ProcessCpu.threadsStarted() - threadsStartedAtStart;
  }

  /** Read by JMH once, when the iteration's results are collected. */
  public long processCpuMicros() {
    return cpuStart < 0 ? 0 : (ProcessCpu.nanos() - cpuStart) / 1000;
  }

  /** CPU time of the benchmark thread itself (the client side of each call), read by JMH on that thread. */
  public long callerCpuNanos() {
    return callerCpuStart < 0 ? 0 : ProcessCpu.currentThreadNanos() - callerCpuStart;
  }

  /** Bytes the benchmark thread allocated (the client side of each call), read by JMH on that thread. */
  public long callerAllocatedBytes() {
    return callerAllocStart < 0 ? 0 : ProcessCpu.currentThreadAllocatedBytes() - callerAllocStart;
  }
}
