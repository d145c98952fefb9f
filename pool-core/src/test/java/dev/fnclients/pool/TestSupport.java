package dev.fnclients.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Small helpers shared by the tests: fixed environments, bounded waits for thread states. */
public final class TestSupport {
  private TestSupport() {}

  public static final Environment EMPTY = Environment.of(Map.of(), Map.of());

  public static Environment env(Map<String, String> env) {
    return Environment.of(env, Map.of());
  }

  public static Environment props(Map<String, String> props) {
    return Environment.of(Map.of(), props);
  }

  /** A config from an empty environment: documented defaults, independent of the real process. */
  public static FnClientsConfig.Builder defaults() {
    return FnClientsConfig.custom(EMPTY);
  }

  /**
   * Waits, at most 10 s, until {@code thread} is parked in one of {@code states}; used to make sure
   * a thread is really blocked before the test lets the thing it waits for happen. Polls; never
   * used as a timing assertion.
   */
  public static void awaitState(Thread thread, Thread.State... states) throws InterruptedException {
    Set<Thread.State> wanted = Set.of(states);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!wanted.contains(thread.getState())) {
      assertThat(System.nanoTime() - deadline)
          .as(
              "%s did not reach %s within 10 s (is %s)",
              thread.getName(), wanted, thread.getState())
          .isNegative();
      assertThat(thread.getState())
          .as("%s ended before reaching %s", thread.getName(), wanted)
          .isNotEqualTo(Thread.State.TERMINATED);
      Thread.sleep(1);
    }
  }

  public static void shutdownAndAwait(ExecutorService executor) throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS))
        .as("executor threads ended")
        .isTrue();
  }

  public static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
