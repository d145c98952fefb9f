package dev.fnclients.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs shutdown work in parallel and stops waiting at a deadline, so one stuck close cannot eat the
 * budget.
 */
public final class Deadline {
  private Deadline() {}

  /**
   * Runs every task on its own daemon thread and waits until all finish or {@code timeout} passes.
   * Returns true when all finished in time; tasks still running are left to the JVM's exit.
   */
  public static boolean runAll(List<Runnable> tasks, Duration timeout, String threadName) {
    if (tasks.isEmpty()) {
      return true;
    }
    List<Thread> threads = new ArrayList<>();
    for (Runnable task : tasks) {
      Thread t = new Thread(task, threadName);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    try {
      for (Thread t : threads) {
        long left = deadline - System.nanoTime();
        while (t.isAlive() && left > 0) {
          try {
            TimeUnit.NANOSECONDS.timedJoin(t, left);
          } catch (InterruptedException e) {
            interrupted = true;
          }
          left = deadline - System.nanoTime();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    for (Thread t : threads) {
      if (t.isAlive()) {
        return false;
      }
    }
    return true;
  }
}
