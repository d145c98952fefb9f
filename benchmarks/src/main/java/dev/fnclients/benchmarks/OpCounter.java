package dev.fnclients.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The lightest secondary figures, for benchmarks where anything more in the measured operation
 * would show: {@code ops} (one field increment per operation), and {@code processCpuMicros},
 * {@code callerCpuNanos} and {@code callerAllocatedBytes}, each read once per iteration. {@link Report} divides them by ops.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class OpCounter {
  public long ops;
  private long cpuStart;
  private long callerCpuStart;
  private long callerAllocStart;

  @Setup(Level.Iteration)
  public void reset() {
    ops = 0;
    cpuStart = ProcessCpu.nanos();
    callerCpuStart = ProcessCpu.currentThreadNanos(); // JMH runs thread-scoped setup on the benchmark thread
    callerAllocStart = ProcessCpu.currentThreadAllocatedBytes();
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
