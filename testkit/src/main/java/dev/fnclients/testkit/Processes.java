package dev.fnclients.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Freezing ({@code SIGSTOP}) and thawing ({@code SIGCONT}) processes through the shell's {@code
 * kill} (POSIX only), as a serverless platform or a stalled server would, and the tail of a log.
 */
public final class Processes {
  private static final long STOP_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(10);

  private Processes() {}

  /**
   * Stops every thread of {@code process} and, on Linux, waits until the kernel reports them all
   * stopped: {@code kill} returning only means the signal was queued.
   */
  public static void stop(ProcessHandle process) {
    signal(process, "STOP");
    long deadline = System.nanoTime() + STOP_CONFIRM_NANOS;
    Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
    // Without /proc (not Linux, or the process is gone), freezing degrades to "signal sent".
    while (Files.isDirectory(tasks) && !allThreadsStopped(tasks)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("process " + process.pid() + " exited while being frozen");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("process " + process.pid() + " not stopped after SIGSTOP");
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while freezing " + process.pid(), e);
      }
    }
  }

  /** Resumes {@code process} with {@code SIGCONT}; harmless if it is not stopped. */
  public static void resume(ProcessHandle process) {
    signal(process, "CONT");
  }

  /** The last {@code maxBytes} of {@code file} as UTF-8; empty if it cannot be read. */
  public static String tail(Path file, long maxBytes) {
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      channel.position(Math.max(0, channel.size() - maxBytes));
      return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Through the shell, whose builtin {@code kill} works also where no kill binary is installed. */
  private static void signal(ProcessHandle process, String signal) {
    if (!process.isAlive()) { // a reaped pid may already belong to an unrelated process
      throw new IllegalStateException(
          "cannot send SIG" + signal + ": process " + process.pid() + " has exited");
    }
    String command = "kill -" + signal + " " + process.pid();
    try {
      Process kill = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (kill.waitFor() != 0) {
        throw new IllegalStateException(
            command + " failed with exit code " + kill.exitValue() + ": " + output.trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  /** Whether every thread in {@code /proc/<pid>/task/<tid>/stat} is stopped or already dead. */
  private static boolean allThreadsStopped(Path tasks) {
    try (Stream<Path> threads = Files.list(tasks)) {
      return threads.allMatch(
          task -> {
            String stat;
            try {
              stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
            } catch (IOException exited) {
              return true;
            }
            // After the command name, in parentheses that it may contain: T/t stopped, Z/X dead.
            int close = stat.lastIndexOf(')');
            return close < 0
                || close + 2 >= stat.length()
                || "TtZX".indexOf(stat.charAt(close + 2)) >= 0;
          });
    } catch (IOException | UncheckedIOException e) {
      return true;
    }
  }
}
