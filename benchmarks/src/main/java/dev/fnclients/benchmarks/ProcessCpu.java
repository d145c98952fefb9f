package dev.fnclients.benchmarks;

import java.lang.management.ManagementFactory;

/**
 * {@link #nanos()}: CPU time used by the whole benchmark JVM (every thread: the caller, OkHttp's, the loopback
 * server's, GC and reference processing), in nanoseconds, or -1 where the JVM does not say. Less
 * sensitive than wall-clock time to other processes competing for the cores.
 */
final class ProcessCpu {
  private static final java.lang.management.OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();

  private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ProcessCpu() {}

  /**
   * CPU time of the calling thread in nanoseconds, or -1 where unsupported. OkHttp runs a
   * synchronous call's interceptors, connection handling and body reading on the caller's thread,
   * so for the benchmark thread this is the client side's own cost, free of the server's share and
   * of time spent waiting for the network or for a core.
   */
  /**
   * Bytes the calling thread has allocated so far, or -1 where unsupported: a per-request cost that,
   * unlike time, does not move with other load on the machine.
   */
  static long currentThreadAllocatedBytes() {
    if (THREADS instanceof com.sun.management.ThreadMXBean) {
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) THREADS;
      if (threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
        return threads.getCurrentThreadAllocatedBytes();
      }
    }
    return -1;
  }

  /** Threads the JVM has started since it began (daemon or not, alive or not). */
  static long threadsStarted() {
    return THREADS.getTotalStartedThreadCount();
  }

  static long currentThreadNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
  }

  static long nanos() {
    if (OS instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) OS).getProcessCpuTime();
    }
    return -1;
  }
}
