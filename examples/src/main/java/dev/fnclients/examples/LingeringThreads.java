package dev.fnclients.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The demos' last step: they end everything they start, and exit rather than hang if they did not. */
final class LingeringThreads {
  private LingeringThreads() {}

  /**
   * Waits up to 2 s for this thread group's non-daemon threads to end; should one still run (a bug),
   * says so on {@code out} and exits rather than hang the build.
   */
  static void exitIfAny(PrintStream out) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    List<Thread> lingering;
    do {
      lingering = nonDaemonThreads();
      if (lingering.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    out.println("non-daemon threads still running, exiting: "
        + lingering.stream().map(Thread::getName).collect(Collectors.joining(", ")));
    System.exit(0);
  }

  private static List<Thread> nonDaemonThreads() {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    Thread[] threads = new Thread[group.activeCount() + 16];
    int n = group.enumerate(threads, true);
    List<Thread> result = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = threads[i];
      if (t != Thread.currentThread() && t.isAlive() && !t.isDaemon()) {
        result.add(t);
      }
    }
    return result;
  }
}
