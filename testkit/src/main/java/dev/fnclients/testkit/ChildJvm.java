package dev.fnclients.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Java main class in a child JVM that a test can freeze and thaw as a serverless platform freezes
 * an instance between invocations. It has to be another process: {@code SIGSTOP} stops every
 * thread, which no in-process trick can imitate. The child reuses this JVM's {@code java} binary
 * and class path. Its stdout is read line by line (UTF-8) into a queue and its stderr into a
 * bounded buffer, by daemon threads, so a chatty child never blocks on a full pipe. Signals go
 * through the {@code kill} command: freezing needs a POSIX system.
 */
public final class ChildJvm implements AutoCloseable {

  /** Keeps memory bounded for children that log without end; the tail is what diagnoses. */
  private static final int STDERR_CAP_CHARS = 1024 * 1024;

  private static final int STDERR_TAIL_CHARS = 2000;
  private static final long CLOSE_WAIT_SECONDS = 10;
  private static final long EXIT_AFTER_EOF_WAIT_MILLIS = 2000;
  private static final int SKIPPED_LINES_IN_MESSAGE = 10;

  /** Marks stdout EOF in the line queue; identity comparison keeps it distinct from any line. */
  private static final String EOF = new String("<eof>");

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();
  private final StringBuilder stderr = new StringBuilder();
  private final Thread stdoutDrainer;
  private final Thread stderrDrainer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ChildJvm(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    String name = "child-jvm-" + process.pid();
    this.stdoutDrainer = daemon(name + "-stdout", this::drainStdout);
    this.stderrDrainer = daemon(name + "-stderr", this::drainStderr);
  }

  /**
   * Starts describing a child JVM that runs {@code mainClass}'s {@code main} (a static nested class
   * is fine).
   */
  public static Builder builder(Class<?> mainClass) {
    return new Builder(Objects.requireNonNull(mainClass, "mainClass").getName());
  }

  /**
   * Starts describing a child JVM that runs the class named {@code mainClass}, found on its {@link
   * Builder#classpath}.
   */
  public static Builder builder(String mainClass) {
    return new Builder(Objects.requireNonNull(mainClass, "mainClass"));
  }

  /** Configures and starts a {@link ChildJvm}. Not thread-safe; meant to be used in one chain. */
  public static final class Builder {
    private final String mainClass;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private String classpath = System.getProperty("java.class.path");

    private Builder(String mainClass) {
      this.mainClass = mainClass;
    }

    /** Appends arguments for {@code main}. */
    public Builder args(String... args) {
      this.args.addAll(Arrays.asList(args));
      return this;
    }

    /**
     * Sets an environment variable on top of the inherited environment; a null value removes it.
     */
    public Builder env(String key, String value) {
      env.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    /** Sets a system property, passed as {@code -Dkey=value}. */
    public Builder systemProperty(String key, String value) {
      systemProperties.put(
          Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Appends JVM options such as {@code -Xmx64m}, placed before the main class. */
    public Builder jvmArgs(String... jvmArgs) {
      this.jvmArgs.addAll(Arrays.asList(jvmArgs));
      return this;
    }

    /**
     * Replaces the class path (default: {@code java.class.path}, which misses classes under {@code
     * mvn exec:java}).
     */
    public Builder classpath(String classpath) {
      this.classpath = Objects.requireNonNull(classpath, "classpath");
      return this;
    }

    /** Starts the child; close it, or the process leaks. */
    public ChildJvm start() throws IOException {
      List<String> command = new ArrayList<>();
      command.add(javaBinary());
      // The pipes are UTF-8 here, so pin the child's streams to UTF-8 rather than the machine's
      // locale:
      // sun.* for Java 17, the plain names for 19+; user options come later and win.
      command.addAll(
          List.of(
              "-Dsun.stdout.encoding=UTF-8",
              "-Dsun.stderr.encoding=UTF-8",
              "-Dstdout.encoding=UTF-8",
              "-Dstderr.encoding=UTF-8"));
      command.addAll(jvmArgs);
      systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
      command.addAll(List.of("-cp", classpath, mainClass));
      command.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(command);
      env.forEach(
          (k, v) -> {
            if (v == null) {
              builder.environment().remove(k);
            } else {
              builder.environment().put(k, v);
            }
          });
      return new ChildJvm(builder.start());
    }
  }

  /** The child's process id. */
  public long pid() {
    return process.pid();
  }

  /**
   * Stops every thread of the child with {@code SIGSTOP}, returning once they are stopped ({@link
   * ProcessSignals#stop}).
   */
  public void freeze() {
    checkAlive("STOP");
    ProcessSignals.stop(process.toHandle());
  }

  /** Resumes a frozen child with {@code SIGCONT}; harmless if it is not frozen. */
  public void thaw() {
    checkAlive("CONT");
    ProcessSignals.resume(process.toHandle());
  }

  /**
   * Asks the child to exit with {@code SIGTERM}, so its shutdown hooks run (a frozen child: once
   * thawed).
   */
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
    stdin.write(line);
    stdin.write('\n');
    stdin.flush();
  }

  /**
   * The next line of the child's stdout; at EOF an IOException naming the exit code and the tail of
   * stderr.
   */
  public String readLine(Duration timeout) throws IOException, TimeoutException {
    String line;
    try {
      line = stdoutLines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a line from " + this);
    }
    if (line == null) {
      throw new TimeoutException("no line from child " + pid() + " within " + timeout);
    }
    if (line == EOF) {
      // Put it back so every later read fails the same way instead of timing out.
      stdoutLines.add(EOF);
      throw new IOException(describeEof());
    }
    return line;
  }

  /**
   * Reads lines until one starts with {@code prefix}, skipping the others; a timeout names the last
   * skipped.
   */
  public String expectLine(String prefix, Duration timeout) throws IOException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Deque<String> skipped = new ArrayDeque<>();
    while (true) {
      long remaining = deadline - System.nanoTime();
      String line;
      try {
        line = readLine(Duration.ofNanos(Math.max(0, remaining)));
      } catch (TimeoutException e) {
        throw new TimeoutException(
            "no line starting with '"
                + prefix
                + "' from child "
                + pid()
                + " within "
                + timeout
                + "; last skipped lines: "
                + skipped);
      }
      if (line.startsWith(prefix)) {
        return line;
      }
      skipped.addLast(line);
      if (skipped.size() > SKIPPED_LINES_IN_MESSAGE) {
        skipped.removeFirst();
      }
    }
  }

  /** Waits up to {@code timeout} for the child to exit, and returns its exit code. */
  public int waitFor(Duration timeout) throws InterruptedException, TimeoutException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("child " + pid() + " still running after " + timeout);
    }
    return process.exitValue();
  }

  /** What the child wrote to stderr so far; past about a megabyte, the oldest part is dropped. */
  public String stderr() {
    synchronized (stderr) {
      return stderr.toString();
    }
  }

  /**
   * Thaws the child (so the kill does not depend on how stopped processes take signals), kills it,
   * waits. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (process.isAlive()) {
      try {
        ProcessSignals.resume(process.toHandle());
      } catch (RuntimeException ignored) {
        // The child may exit between the check and the signal; SIGKILL below handles the rest.
      }
    }
    process.destroyForcibly();
    try {
      process.waitFor(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      stdin.close();
    } catch (IOException ignored) {
      // The pipe is already broken because the child is gone; nothing to flush.
    }
  }

  @Override
  public String toString() {
    return "ChildJvm[pid=" + pid() + ", alive=" + process.isAlive() + "]";
  }

  /** Fails naming the exit code, before a signal could reach a reaped pid's new owner. */
  private void checkAlive(String signal) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "cannot send SIG"
              + signal
              + ": child "
              + pid()
              + " exited with code "
              + process.exitValue());
    }
  }

  private String describeEof() {
    String exit;
    try {
      // stdout closes a moment before the process is reaped; wait briefly for a real exit code.
      if (process.waitFor(EXIT_AFTER_EOF_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        exit = "exited with code " + process.exitValue();
        // Let the stderr drainer catch up so the tail below is complete.
        stderrDrainer.join(EXIT_AFTER_EOF_WAIT_MILLIS);
      } else {
        exit = "closed stdout but is still running";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = "state unknown (interrupted)";
    }
    String err = stderr();
    String tail =
        err.length() > STDERR_TAIL_CHARS
            ? "..." + err.substring(err.length() - STDERR_TAIL_CHARS)
            : err;
    return "stdout of child "
        + pid()
        + " reached EOF; child "
        + exit
        + "; stderr tail: "
        + (tail.isEmpty() ? "<empty>" : tail);
  }

  private void drainStdout() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        stdoutLines.add(line);
      }
    } catch (IOException e) {
      // The pipe breaking is just another way for stdout to end.
    } finally {
      stdoutLines.add(EOF);
    }
  }

  private void drainStderr() {
    char[] buffer = new char[8192];
    try (Reader reader = new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)) {
      int n;
      while ((n = reader.read(buffer)) >= 0) {
        synchronized (stderr) {
          stderr.append(buffer, 0, n);
          // Trim in chunks so the cost of shifting the buffer is amortised.
          if (stderr.length() > STDERR_CAP_CHARS + STDERR_CAP_CHARS / 16) {
            stderr.delete(0, stderr.length() - STDERR_CAP_CHARS);
          }
        }
      }
    } catch (IOException e) {
      // Same as for stdout: a broken pipe means there is nothing more to collect.
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static String javaBinary() {
    // java.home is the running runtime itself, even when it was launched through a wrapper script.
    for (String name : List.of("java", "java.exe")) {
      Path java = Paths.get(System.getProperty("java.home"), "bin", name);
      if (Files.isExecutable(java)) {
        return java.toString();
      }
    }
    return ProcessHandle.current().info().command().orElse("java");
  }
}
