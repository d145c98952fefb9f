package dev.fnclients.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The demos' terminal output (paragraphs wrapped at about 120 columns, tables) and their last step.
 */
final class Console {
  static final PrintStream OUT = System.out;

  private Console() {}

  /** Prints {@code text} wrapped at about 120 columns, continuation lines indented two more. */
  static void wrapped(String indent, String text) {
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() + word.length() + 1 > 120 && !line.toString().isBlank()) {
        OUT.println(line.toString().stripTrailing());
        line = new StringBuilder(indent + "  ");
      }
      line.append(word).append(' ');
    }
    OUT.println(line.toString().stripTrailing());
  }

  /**
   * Prints rows as columns: the first left-aligned, the others right-aligned, the last one as it is
   * if {@code freeLast} (free text).
   */
  static void table(List<String[]> rows, boolean freeLast) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    rows.forEach(row -> Arrays.setAll(widths, c -> Math.max(widths[c], row[c].length())));
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(" ");
      for (int c = 0; c < columns; c++) {
        boolean free = freeLast && c == columns - 1;
        line.append("  ")
            .append(
                free ? row[c] : String.format("%" + (c == 0 ? "-" : "") + widths[c] + "s", row[c]));
      }
      OUT.println(line.toString().stripTrailing());
    }
  }

  /**
   * The demos end every thread they start: waits up to 2 s for this thread group's non-daemon
   * threads to end and, should one still run (a bug), says so and exits rather than hang the build.
   */
  static void exitIfThreadsLinger() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    for (List<Thread> lingering; ; Thread.sleep(50)) {
      Thread[] threads = new Thread[Thread.currentThread().getThreadGroup().activeCount() + 16];
      int n = Thread.currentThread().getThreadGroup().enumerate(threads, true);
      lingering =
          Arrays.stream(threads, 0, n)
              .filter(t -> t != Thread.currentThread() && t.isAlive() && !t.isDaemon())
              .toList();
      if (lingering.isEmpty()) {
        return;
      } else if (System.nanoTime() > deadline) {
        OUT.println("non-daemon threads still running, exiting: " + lingering);
        System.exit(0);
      }
    }
  }
}
