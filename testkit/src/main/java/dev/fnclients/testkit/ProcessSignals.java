package dev.fnclients.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * POSIX signals to a process by pid, through the {@code kill} command: what {@link ChildJvm} and
 * the {@link dev.fnclients.testkit.pubsub.PubsubEmulator} use to freeze ({@code SIGSTOP}) and thaw
 * ({@code SIGCONT}) a process the way a serverless platform or a stalled server would.
 */
public final class ProcessSignals {
  private static final long SIGNAL_TIMEOUT_SECONDS = 10;
  private static final long STOP_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(10);

  private ProcessSignals() {}

  /**
   * Sends {@code SIG<signal>} ({@code STOP}, {@code CONT}, ...); IllegalStateException if it exited
   * or kill fails.
   */
  public static void send(ProcessHandle process, String signal) {
    if (!process.isAlive()) {
      // Checked first because a reaped pid may already belong to an unrelated process.
      throw new IllegalStateException(
          "cannot send SIG" + signal + ": process " + process.pid() + " has exited");
    }
    String pid = Long.toString(process.pid());
    Process kill;
    try {
      kill = startKill(List.of("kill", "-" + signal, pid));
    } catch (IOException notOnPath) {
      try {
        // Some minimal images have kill only as a shell builtin.
        kill = startKill(List.of("/bin/sh", "-c", "kill -" + signal + " " + pid));
      } catch (IOException e) {
        e.addSuppressed(notOnPath);
        throw new UncheckedIOException("cannot run kill -" + signal + " " + pid, e);
      }
    }
    String output;
    int exit;
    try {
      output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!kill.waitFor(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + signal + " " + pid + " did not finish");
      }
      exit = kill.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read output of kill -" + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill.destroyForcibly();
      throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
    }
    if (exit != 0) {
      throw new IllegalStateException(
          "kill -" + signal + " " + pid + " failed with exit code " + exit + ": " + output);
    }
  }

  /**
   * Stops every thread of {@code process} with {@code SIGSTOP} and, on Linux, waits until the
   * kernel reports them all stopped: {@code kill} returning only means the signal was queued, and a
   * test asserting "nothing happens while frozen" needs more.
   */
  public static void stop(ProcessHandle process) {
    send(process, "STOP");
    awaitStopped(process);
  }

  /** Resumes {@code process} with {@code SIGCONT}; harmless if it is not stopped. */
  public static void resume(ProcessHandle process) {
    send(process, "CONT");
  }

  private static Process startKill(List<String> command) throws IOException {
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** Polls {@code /proc} until all threads are stopped; a no-op where {@code /proc} is absent. */
  private static void awaitStopped(ProcessHandle process) {
    long pid = process.pid();
    Path tasks = Paths.get("/proc", Long.toString(pid), "task");
    if (!Files.isDirectory(tasks)) {
      return;
    }
    long deadline = System.nanoTime() + STOP_CONFIRM_NANOS;
    while (true) {
      Optional<Boolean> stopped = allThreadsStopped(tasks);
      if (stopped.isEmpty() || stopped.get()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("process " + pid + " exited while being frozen");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "process "
                + pid
                + " not stopped "
                + TimeUnit.NANOSECONDS.toSeconds(STOP_CONFIRM_NANOS)
                + " s after SIGSTOP");
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + pid + " to stop", e);
      }
    }
  }

  /**
   * Each thread's state from {@code /proc/<pid>/task/<tid>/stat}; empty if unreadable (freezing
   * degrades to "signal sent").
   */
  private static Optional<Boolean> allThreadsStopped(Path tasks) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
      for (Path task : dirs) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException exited) {
          continue;
        }
        // The command name is in parentheses and may itself contain ") ", so use the last one.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
          return Optional.empty();
        }
        char state = stat.charAt(close + 2);
        // T: stopped, t: tracing stop, Z/X: already dead and so not running either.
        if (state != 'T' && state != 't' && state != 'Z' && state != 'X') {
          return Optional.of(false);
        }
      }
      return Optional.of(true);
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }
}
