package dev.fnclients.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ChildJvmTest {

  /** JVM startup on a loaded 2-core machine can take seconds; this only guards against hangs. */
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** Small, quick-starting children so several tests stay well inside the time budget. */
  private static final String[] LIGHT_JVM = {"-Xmx32m", "-XX:TieredStopAtLevel=1", "-Xss512k"};

  /** Echoes stdin; "err X" goes to stderr, "exit N" exits with N. */
  static final class Echo {
    public static void main(String[] args) throws IOException {
      for (String arg : args) {
        System.out.println("arg: " + arg);
      }
      System.out.println("env: " + System.getenv("FNCLIENTS_TESTKIT_ENV"));
      System.out.println("prop: " + System.getProperty("fnclients.testkit.prop"));
      System.out.println("ready");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("err ")) {
          System.err.println(line.substring(4));
          System.err.flush();
        } else if (line.startsWith("exit ")) {
          System.exit(Integer.parseInt(line.substring(5)));
        } else {
          System.out.println("echo: " + line);
        }
      }
    }
  }

  /** Prints an increasing counter forever, so lost or extra progress is visible in the numbers. */
  static final class Counter {
    public static void main(String[] args) throws InterruptedException {
      for (long i = 0; ; i++) {
        System.out.println("tick " + i);
        Thread.sleep(20);
      }
    }
  }

  /** Shows that SIGTERM takes the orderly path a platform shutdown would. */
  static final class WithShutdownHook {
    public static void main(String[] args) throws InterruptedException {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook ran")));
      System.out.println("ready");
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void childEchoesLinesSentToItsStdin() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Echo.class).jvmArgs(LIGHT_JVM).start()) {
      child.expectLine("ready", PATIENCE);

      child.send("hello");
      child.send("wörld");

      assertThat(child.readLine(PATIENCE)).isEqualTo("echo: hello");
      assertThat(child.readLine(PATIENCE)).isEqualTo("echo: wörld");
      assertThat(child.pid()).isPositive().isNotEqualTo(ProcessHandle.current().pid());
    }
  }

  @Test
  void childReceivesArgsEnvironmentAndSystemProperties() throws Exception {
    try (ChildJvm child =
        ChildJvm.builder(Echo.class)
            .jvmArgs(LIGHT_JVM)
            .args("first", "second arg")
            .env("FNCLIENTS_TESTKIT_ENV", "from-env")
            .jvmArgs("-Dfnclients.testkit.prop=from-prop")
            .start()) {

      assertThat(child.readLine(PATIENCE)).isEqualTo("arg: first");
      assertThat(child.readLine(PATIENCE)).isEqualTo("arg: second arg");
      assertThat(child.readLine(PATIENCE)).isEqualTo("env: from-env");
      assertThat(child.readLine(PATIENCE)).isEqualTo("prop: from-prop");
      assertThat(child.readLine(PATIENCE)).isEqualTo("ready");
    }
  }

  @Test
  void frozenChildMakesNoProgressUntilThawed() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Counter.class).jvmArgs(LIGHT_JVM).start()) {
      String last = child.expectLine("tick ", PATIENCE);

      child.freeze();

      // Lines printed just before the stop may still sit in the pipe; drain them until a quiet
      // spell. The bound keeps a freeze that did not work from looping for long.
      for (int i = 0; i < 100; i++) {
        try {
          last = child.readLine(Duration.ofMillis(300));
        } catch (TimeoutException quiet) {
          break;
        }
      }
      assertThatThrownBy(() -> child.readLine(Duration.ofSeconds(1)))
          .isInstanceOf(TimeoutException.class);
      assertThat(child.isAlive()).isTrue();

      child.thaw();

      // Consecutive numbers prove the child printed nothing while frozen and lost nothing.
      String next = child.expectLine("tick ", PATIENCE);
      assertThat(tick(next)).isEqualTo(tick(last) + 1);
      assertThat(tick(child.expectLine("tick ", PATIENCE))).isEqualTo(tick(last) + 2);
    }
  }

  @Test
  void readLineAfterChildExitsReportsExitCodeAndStderrTail() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Echo.class).jvmArgs(LIGHT_JVM).start()) {
      child.expectLine("ready", PATIENCE);

      child.send("err boom: something broke");
      child.send("exit 3");

      assertThatThrownBy(() -> child.expectLine("never printed", PATIENCE))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("exited with code 3")
          .hasMessageContaining("boom: something broke");
      // EOF is sticky so a second read does not degrade into a misleading timeout.
      assertThatThrownBy(() -> child.readLine(PATIENCE))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("exited with code 3");
      assertThat(child.waitFor(PATIENCE)).isEqualTo(3);
      assertThat(child.isAlive()).isFalse();
      assertThat(child.stderr()).contains("boom: something broke");
    }
  }

  @Test
  void readLineTimesOutWhenChildPrintsNothing() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Echo.class).jvmArgs(LIGHT_JVM).start()) {
      child.expectLine("ready", PATIENCE);

      assertThatThrownBy(() -> child.readLine(Duration.ofMillis(200)))
          .isInstanceOf(TimeoutException.class);
      assertThat(child.isAlive()).isTrue();
    }
  }

  @Test
  void expectLineSkipsLinesUntilOneStartsWithThePrefix() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Counter.class).jvmArgs(LIGHT_JVM).start()) {
      assertThat(child.expectLine("tick 5", PATIENCE)).isEqualTo("tick 5");
      assertThat(child.readLine(PATIENCE)).isEqualTo("tick 6");
    }
  }

  @Test
  void terminateSendsSigtermSoShutdownHooksRun() throws Exception {
    try (ChildJvm child = ChildJvm.builder(WithShutdownHook.class).jvmArgs(LIGHT_JVM).start()) {
      child.expectLine("ready", PATIENCE);

      child.terminate();

      assertThat(child.expectLine("hook ran", PATIENCE)).isEqualTo("hook ran");
      assertThat(child.waitFor(PATIENCE)).isEqualTo(128 + 15);
    }
  }

  @Test
  void freezeForThawsTheChildWhenItsWaitIsInterrupted() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Counter.class).jvmArgs(LIGHT_JVM).start()) {
      child.expectLine("tick ", PATIENCE);
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      Thread freezer =
          new Thread(
              () -> {
                try {
                  child.freezeFor(Duration.ofMinutes(10));
                } catch (Throwable t) {
                  outcome.set(t);
                }
              });
      freezer.start();
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (state(child) != 'T' && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // waiting for the freeze, not timing it
      }
      assertThat(state(child)).isEqualTo('T');

      freezer.interrupt();
      freezer.join(PATIENCE.toMillis());

      assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
      assertThat(state(child)).isNotEqualTo('T');
    }
  }

  /** The child's state letter in {@code /proc/<pid>/stat}: {@code T} while stopped. */
  private static char state(ChildJvm child) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(child.pid()), "stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  @Test
  void closeKillsEvenAFrozenChildAndIsIdempotent() throws Exception {
    ChildJvm child = ChildJvm.builder(Counter.class).jvmArgs(LIGHT_JVM).start();
    child.expectLine("tick ", PATIENCE);
    child.freeze();

    child.close();
    child.close();

    assertThat(child.isAlive()).isFalse();
  }

  @Test
  void freezingAnExitedChildFailsInsteadOfSignallingARecycledPid() throws Exception {
    try (ChildJvm child = ChildJvm.builder(Echo.class).jvmArgs(LIGHT_JVM).start()) {
      child.expectLine("ready", PATIENCE);
      child.send("exit 0");
      assertThat(child.waitFor(PATIENCE)).isZero();

      assertThatThrownBy(child::freeze)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exited with code 0");
    }
  }

  private static long tick(String line) {
    return Long.parseLong(line.substring("tick ".length()));
  }
}
