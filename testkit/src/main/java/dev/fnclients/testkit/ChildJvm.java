package dev.fnclients.testkit;

import com.google.common.util.concurrent.Uninterruptibles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A Java main class in a child JVM that a test can freeze ({@code SIGSTOP}) and thaw as a
 * serverless platform freezes an instance (see the testkit README).
 */
public final class ChildJvm implements AutoCloseable {
  private static final int STDERR_CAP_BYTES = 1024 * 1024; // children may log without end

  /** Marks stdout EOF in the line queue; identity comparison keeps it distinct from any line. */
  private static final String EOF = new String("<eof>");

  private final Process process;
  private final Path stderrFile;
  private final Writer stdin;
  private final BlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();

  private ChildJvm(Process process, Path stderrFile) {
    this.process = process;
    this.stderrFile = stderrFile;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread drainer = new Thread(this::drainStdout, "child-jvm-" + process.pid() + "-stdout");
    drainer.setDaemon(true);
    drainer.start();
  }

  /** A child JVM running {@code mainClass}'s {@code main} (a static nested class is fine). */
  public static Builder builder(Class<?> mainClass) {
    return builder(mainClass.getName());
  }

  /**
   * A child JVM running the class named {@code mainClass}, found on its {@link Builder#classpath}.
   */
  public static Builder builder(String mainClass) {
    return new Builder(Objects.requireNonNull(mainClass, "mainClass"));
  }

  /** Configures and starts a {@link ChildJvm}; meant to be used in one chain. */
  public static final class Builder {
    private final String mainClass;
    private final List<String> args = new ArrayList<>();
    // java.home is the running runtime itself, even when it was launched through a wrapper. The
    // pipes are UTF-8 here, so pin the child's streams to UTF-8 rather than the machine's locale:
    // sun.* for Java 17, the plain names for 19+; user options come later and win.
    private final List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsun.stdout.encoding=UTF-8",
                "-Dsun.stderr.encoding=UTF-8",
                "-Dstdout.encoding=UTF-8",
                "-Dstderr.encoding=UTF-8"));
    private final Map<String, String> env = new LinkedHashMap<>();
    private String classpath = System.getProperty("java.class.path");

    private Builder(String mainClass) {
      this.mainClass = mainClass;
    }

    /** Appends arguments for {@code main}. */
    public Builder args(String... args) {
      this.args.addAll(Arrays.asList(args));
      return this;
    }

    /** Sets an environment variable over the inherited ones; a null value removes it. */
    public Builder env(String key, String value) {
      env.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    /** Appends JVM options such as {@code -Xmx64m} or {@code -Dkey=value}. */
    public Builder jvmArgs(String... jvmArgs) {
      command.addAll(Arrays.asList(jvmArgs));
      return this;
    }

    /**
     * Replaces the class path ({@code java.class.path}: misses classes under {@code exec:java}).
     */
    public Builder classpath(String classpath) {
      this.classpath = Objects.requireNonNull(classpath, "classpath");
      return this;
    }

    /** Starts the child; close it, or the process leaks. */
    public ChildJvm start() throws IOException {
      List<String> command = new ArrayList<>(this.command);
      command.addAll(List.of("-cp", classpath, mainClass));
      command.addAll(args);
      Path stderrFile = Files.createTempFile("child-jvm-", ".stderr");
      // Kept until this JVM exits, so that stderr() still answers after close().
      stderrFile.toFile().deleteOnExit();
      ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderrFile.toFile());
      // compute() removes the variable when the value is null.
      env.forEach((k, v) -> builder.environment().compute(k, (key, inherited) -> v));
      return new ChildJvm(builder.start(), stderrFile);
    }
  }

  public long pid() {
    return process.pid();
  }

  /** Stops every thread of the child ({@code SIGSTOP}), returning once they are stopped. */
  public void freeze() {
    freeze(aliveHandle());
  }

  /** Resumes a frozen child ({@code SIGCONT}); harmless if it is not frozen. */
  public void thaw() {
    thaw(aliveHandle());
  }

  /**
   * Freezes the child for {@code gap}, as a platform freezes an idle instance between invocations,
   * then thaws it, also when the wait is interrupted.
   */
  public void freezeFor(Duration gap) throws InterruptedException {
    freeze();
    try {
      Thread.sleep(gap.toMillis());
    } finally {
      thaw();
    }
  }

  /**
   * Stops every thread of {@code process} ({@code SIGSTOP}) and, on Linux, waits until the kernel
   * reports them all stopped: {@code kill} returning only means the signal was queued.
   */
  public static void freeze(ProcessHandle process) {
    signal(process, "STOP");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
    // Without /proc (not Linux, or the process is gone), freezing degrades to "signal sent".
    while (Files.isDirectory(tasks) && !allThreadsStopped(tasks)) {
      if (!process.isAlive() || System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("process " + process.pid() + " not stopped by SIGSTOP");
      }
      Uninterruptibles.sleepUninterruptibly(Duration.ofMillis(1)); // bounded by the deadline
    }
  }

  /** Resumes {@code process} ({@code SIGCONT}); harmless if it is not stopped. */
  public static void thaw(ProcessHandle process) {
    signal(process, "CONT");
  }

  /** Asks the child to exit ({@code SIGTERM}), so its shutdown hooks run (once thawed). */
  public void terminate() {
    // Not process.destroy(): that also closes our ends of the pipes, which would lose whatever
    // the child prints while shutting down. The handle sends the same SIGTERM and nothing else.
    process.toHandle().destroy();
  }

  /** Whether the child process is still running (a frozen child is). */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Writes one line (without its terminator) to the child's stdin and flushes it. */
  public synchronized void send(String line) throws IOException {
    stdin.write(line + '\n');
    stdin.flush();
  }

  /** The next line of stdout; at EOF an IOException naming the exit code and stderr's tail. */
  public String readLine(Duration timeout) throws IOException, TimeoutException {
    String line;
    try {
      line = stdoutLines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a line from " + pid());
    }
    if (line == null) {
      throw new TimeoutException("no line from child " + pid() + " within " + timeout);
    } else if (line == EOF) {
      stdoutLines.add(EOF); // so that every later read fails the same way
      throw new IOException(describeEof());
    }
    return line;
  }

  /** Reads lines until one starts with {@code prefix}; a timeout names the last one skipped. */
  public String expectLine(String prefix, Duration timeout) throws IOException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String skipped = null;
    while (true) {
      String line;
      try {
        line = readLine(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } catch (TimeoutException e) {
        throw new TimeoutException(
            String.format(
                "no line starting with '%s' from child %d within %s; last skipped: %s",
                prefix, pid(), timeout, skipped));
      }
      if (line.startsWith(prefix)) {
        return line;
      }
      skipped = line;
    }
  }

  /** Waits up to {@code timeout} for the child to exit, and returns its exit code. */
  public int waitFor(Duration timeout) throws InterruptedException, TimeoutException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("child " + pid() + " still running after " + timeout);
    }
    return process.exitValue();
  }

  /** What the child wrote to stderr so far; past a megabyte, only the last. */
  public String stderr() {
    try (SeekableByteChannel channel = Files.newByteChannel(stderrFile)) {
      channel.position(Math.max(0, channel.size() - STDERR_CAP_BYTES));
      return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Thaws (a kill should not depend on how stopped processes take it), kills, waits. Idempotent.
   */
  @Override
  public void close() {
    try {
      thaw(process.toHandle());
    } catch (RuntimeException ignored) {
      // Already exited, or exiting: SIGKILL below handles the rest.
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      stdin.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException ignored) {
      // The pipe is already broken because the child is gone; nothing to flush.
    }
  }

  /** Fails naming the exit code rather than signal a reaped pid's new owner. */
  private ProcessHandle aliveHandle() {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "cannot signal child " + pid() + ": it exited with code " + process.exitValue());
    }
    return process.toHandle();
  }

  private String describeEof() {
    String exit;
    try {
      // stdout closes a moment before the process is reaped; wait briefly for a real exit code.
      exit =
          process.waitFor(2, TimeUnit.SECONDS)
              ? "exited with code " + process.exitValue()
              : "closed stdout but is still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = "state unknown (interrupted)";
    }
    String stderr = stderr();
    return String.format(
        "stdout of child %d reached EOF; child %s; stderr tail: %s",
        pid(), exit, stderr.substring(Math.max(0, stderr.length() - 2000)));
  }

  private void drainStdout() {
    try (BufferedReader reader = process.inputReader(StandardCharsets.UTF_8)) {
      for (String line; (line = reader.readLine()) != null; ) {
        stdoutLines.add(line);
      }
    } catch (IOException e) {
      // The pipe breaking is just another way for stdout to end.
    } finally {
      stdoutLines.add(EOF);
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
      // Not interruptible: the signal is sent by now, and the caller must not be told otherwise
      // (an interrupted freeze would leave a stopped child that no finally block thaws).
      if (Uninterruptibles.getUninterruptibly(kill.onExit()).exitValue() != 0) {
        throw new IllegalStateException(command + " failed: " + output.trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(command + " failed", e.getCause()); // onExit() never fails
    }
  }

  /** Whether every thread in {@code /proc/<pid>/task/<tid>/stat} is stopped or already dead. */
  private static boolean allThreadsStopped(Path tasks) {
    try (Stream<Path> threads = Files.list(tasks)) {
      return threads.allMatch(
          task -> {
            try {
              String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
              // After the command name, in parentheses that it may contain: T/t stopped, Z/X dead.
              return "TtZX".indexOf(stat.charAt(stat.lastIndexOf(')') + 2)) >= 0;
            } catch (IOException | RuntimeException gone) {
              return true;
            }
          });
    } catch (IOException | UncheckedIOException e) {
      return true;
    }
  }
}
