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
  private long cpuStart;
  private long callerCpuStart;
  private long callerAllocStart;

  @Setup(Level.Iteration)
  public void reset() {
    ops = 0;
    connectionsOpened = 0;
    liveThreadSamples = 0;
    cpuStart = ProcessCpu.nanos();
    callerCpuStart = ProcessCpu.currentThreadNanos(); // JMH runs thread-scoped setup on the benchmark thread
    callerAllocStart = ProcessCpu.currentThreadAllocatedBytes();
  }

  /** Records one operation that opened {@code opened} connections. */
  void record(long opened) {
    ops++;
    connectionsOpened += opened;
    liveThreadSamples += Thread.activeCount();
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
