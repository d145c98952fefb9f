package dev.fnclients.spi;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The small, fixed executor a family of clients shares instead of each starting its own threads:
 * daemon threads (they never keep a function's JVM alive), all started at once so that the thread
 * count is flat from the first client on, cancelled tasks removed at once, and delayed tasks
 * dropped at shutdown.
 */
public final class DaemonScheduler {
  private DaemonScheduler() {}

  /**
   * A scheduled executor of {@code threads} daemon threads named {@code prefix-1}, {@code
   * prefix-2}, ...
   *
   * @throws IllegalArgumentException when {@code threads} is below 1
   */
  public static ScheduledExecutorService start(String prefix, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            threads,
            r -> {
              Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    // Shut down after every client it serves has closed: delayed tasks still scheduled then
    // (retries, timers) serve nobody, so they are dropped rather than waited for.
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.prestartAllCoreThreads();
    return executor;
  }

  /** Two to four threads: the processor count, bounded. */
  public static int defaultThreads() {
    return Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }
}
