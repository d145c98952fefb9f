package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import dev.fnclients.pool.TestSupport;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SafeRetryTest {
  private final TransportStats stats = new TransportStats("http");

  /** Fast backoff so that retries cost a millisecond or two. */
  private static FnClientsConfig.Builder fast() {
    return TestSupport.defaults()
        .retryInitialBackoff(Duration.ofMillis(1))
        .retryMaxBackoff(Duration.ofMillis(2));
  }

  @ParameterizedTest(name = "maxAttempts={0}")
  @ValueSource(ints = {1, 2, 3, 5})
  void retryableFailureIsRetriedUpToMaxAttemptsThenTheUnwrappedCauseIsThrown(int maxAttempts) {
    // A budget big enough never to interfere.
    SafeRetry retry =
        new SafeRetry(
            "t", fast().retryMaxAttempts(maxAttempts).build(), new RetryBudget(1000, 0.1), stats);
    AtomicInteger attempts = new AtomicInteger();
    SocketException reset = new SocketException("Connection reset");

    Throwable thrown = catchThrowable(() -> retry.call(resetting(attempts, reset)));

    assertThat(thrown).isSameAs(reset);
    assertThat(attempts).hasValue(maxAttempts);
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(maxAttempts - 1);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_BUDGET)).isZero();
  }

  @Test
  void nonRetryableIoExceptionIsThrownAtOnceAfterOneAttempt() {
    SafeRetry retry = new SafeRetry("t", fast().retryMaxAttempts(5).build(), stats);
    AtomicInteger attempts = new AtomicInteger();
    IOException unsafe = new IOException("request may have been processed");

    Throwable thrown =
        catchThrowable(
            () ->
                retry.call(
                    () -> {
                      attempts.incrementAndGet();
                      throw unsafe;
                    }));

    assertThat(thrown).isSameAs(unsafe);
    assertThat(attempts).hasValue(1);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  @Test
  void runtimeExceptionFromAnAttemptIsNotRetried() {
    SafeRetry retry = new SafeRetry("t", fast().build(), stats);
    AtomicInteger attempts = new AtomicInteger();
    IllegalArgumentException bug = new IllegalArgumentException("bad request");

    Throwable thrown =
        catchThrowable(
            () ->
                retry.call(
                    () -> {
                      attempts.incrementAndGet();
                      throw bug;
                    }));

    assertThat(thrown).isSameAs(bug);
    assertThat(attempts).hasValue(1);
  }

  @Test
  void successOnTheSecondAttemptReturnsTheValueAndCountsOneRetry() throws IOException {
    SafeRetry retry = new SafeRetry("t", fast().build(), stats);
    AtomicInteger attempts = new AtomicInteger();

    String result =
        retry.call(
            () -> {
              if (attempts.incrementAndGet() == 1) {
                throw new RetryableFailure(new EOFException("unexpected end of stream"));
              }
              return "ok";
            });

    assertThat(result).isEqualTo("ok");
    assertThat(attempts).hasValue(2);
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(1);
    // One failure took a token, one success gave back the ratio.
    assertThat(retry.budget().tokens()).isEqualTo(9.1);
  }

  @Test
  void firstAttemptSuccessNeitherRetriesNorSpendsBudget() throws IOException {
    SafeRetry retry = new SafeRetry("t", fast().build(), stats);

    assertThat(retry.call(() -> 42)).isEqualTo(42);

    assertThat(stats.count(MetricNames.RETRIES)).isZero();
    assertThat(retry.budget().tokens()).isEqualTo(10.0);
  }

  static Stream<Arguments> wrappedFailures() {
    return Stream.of(
        Arguments.of(new SocketException("reset"), SocketException.class, false),
        Arguments.of(new IllegalStateException("stream reset"), IllegalStateException.class, false),
        Arguments.of(new Exception("checked, not I/O"), IOException.class, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrappedFailures")
  void givingUpRethrowsTheFailureItselfOrWrapsANonIoCheckedOneInIoException(
      Exception failure, Class<? extends Throwable> expectedType, boolean wrapped) {
    SafeRetry retry = new SafeRetry("t", fast().retryMaxAttempts(2).build(), stats);

    Throwable thrown =
        catchThrowable(
            () ->
                retry.call(
                    () -> {
                      throw new RetryableFailure(failure);
                    }));

    assertThat(thrown).isInstanceOf(expectedType);
    if (wrapped) {
      assertThat(thrown).hasCause(failure);
    } else {
      assertThat(thrown).isSameAs(failure);
    }
  }

  @Test
  void retryStormIsCappedByTheBudget() {
    int calls = 100;
    int maxAttempts = 3;
    int budgetTokens = 10;
    SafeRetry retry =
        new SafeRetry(
            "storm",
            fast().retryMaxAttempts(maxAttempts).retryBudgetTokens(budgetTokens).build(),
            stats);
    AtomicInteger attempts = new AtomicInteger();

    for (int i = 0; i < calls; i++) {
      Throwable thrown =
          catchThrowable(
              () ->
                  retry.call(
                      () -> {
                        attempts.incrementAndGet();
                        throw new RetryableFailure(new SocketException("Connection reset"));
                      }));
      assertThat(thrown).isInstanceOf(SocketException.class);
    }

    // gRPC retry throttling: every failed attempt takes one token and a retry is allowed only while
    // more than half the tokens remain. With no successes, only failures that leave
    // 9, 8, 7 or 6 of 10 tokens may be followed by a retry: at most budgetTokens/2 - 1 = 4 retries
    // in the whole storm, however many calls there are.
    int maxRetries = budgetTokens / 2 - 1;
    assertThat(attempts.get()).isLessThanOrEqualTo(calls + maxRetries).isLessThan(150);
    // Exactly: call 1 fails 3 times (tokens 9, 8, 7; its third failure ends the call at
    // maxAttempts),
    // call 2 fails twice (6 allows a retry, 5 refuses one), every later call fails once (refused).
    assertThat(attempts.get()).isEqualTo(3 + 2 + (calls - 2));
    assertThat(stats.count(MetricNames.RETRIES)).isEqualTo(2 + 1);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_BUDGET)).isEqualTo(calls - 1);
    assertThat(retry.budget().tokens()).isZero();
  }

  @Test
  void noRefusalIsCountedWhenNoAttemptsWereLeftAnyway() {
    SafeRetry retry =
        new SafeRetry("single", fast().retryMaxAttempts(1).retryBudgetTokens(2).build(), stats);
    for (int i = 0; i < 5; i++) {
      assertThat(
              catchThrowable(
                  () ->
                      retry.call(
                          () -> {
                            throw new RetryableFailure(new SocketException("Connection reset"));
                          })))
          .isInstanceOf(SocketException.class);
    }
    assertThat(retry.budget().tokens()).as("each failure still took a token").isZero();
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_BUDGET)).isZero();
  }

  @Test
  void retriesComeBackAfterSuccessesRefillTheBudget() throws IOException {
    SafeRetry retry =
        new SafeRetry(
            "t",
            fast().retryMaxAttempts(2).retryBudgetTokens(4).retryBudgetTokenRatio(1.0).build(),
            stats);
    AtomicInteger attempts = new AtomicInteger();
    SafeRetry.Attempt<String> alwaysFails =
        () -> {
          attempts.incrementAndGet();
          throw new RetryableFailure(new SocketException("reset"));
        };
    catchThrowable(() -> retry.call(alwaysFails)); // tokens 4 -> 3 (retry) -> 2 (max attempts)
    attempts.set(0);
    catchThrowable(() -> retry.call(alwaysFails)); // 2 -> 1: refused
    assertThat(attempts).hasValue(1);

    retry.call(() -> "ok");
    retry.call(() -> "ok");
    retry.call(() -> "ok"); // 1 -> 4
    attempts.set(0);
    catchThrowable(() -> retry.call(alwaysFails));

    assertThat(attempts).as("retried again").hasValue(2);
  }

  /** An attempt that counts itself and fails with {@code reset}, a failure safe to retry. */
  private static SafeRetry.Attempt<String> resetting(
      AtomicInteger attempts, SocketException reset) {
    return () -> {
      attempts.incrementAndGet();
      throw new RetryableFailure(reset);
    };
  }

  // ---- results a transport calls retryable (HTTP statuses) ----

  /**
   * Judges strings: "retry" and "retry:<ms>" are retryable (the latter with a server-asked wait),
   * "failed" a failure not retried.
   */
  private static final class Judge implements SafeRetry.Results<String> {
    final List<String> discarded = new CopyOnWriteArrayList<>();

    @Override
    public SafeRetry.Verdict verdict(String result) {
      return result.startsWith("retry")
          ? SafeRetry.Verdict.RETRY
          : result.equals("failed") ? SafeRetry.Verdict.FAILURE : SafeRetry.Verdict.SUCCESS;
    }

    @Override
    public long requestedWaitNanos(String result) {
      return result.startsWith("retry:")
          ? TimeUnit.MILLISECONDS.toNanos(Long.parseLong(result.substring(6)))
          : -1;
    }

    @Override
    public void discard(String result) {
      discarded.add(result);
    }
  }

  @Test
  void retryableResultIsRetriedEachRetriedOneDiscardedAndTheLastReturned() throws IOException {
    SafeRetry retry =
        new SafeRetry("t", fast().retryMaxAttempts(3).retryBudgetTokens(100).build(), stats);
    Judge judge = new Judge();
    AtomicInteger attempts = new AtomicInteger();

    String result =
        retry.call(() -> "retry#" + attempts.incrementAndGet(), judge, () -> SafeRetry.NO_DEADLINE);

    assertThat(result).isEqualTo("retry#3");
    assertThat(judge.discarded).containsExactly("retry#1", "retry#2");
    assertThat(stats.count(MetricNames.STATUS_RETRIES)).isEqualTo(2);
    assertThat(stats.count(MetricNames.RETRIES)).isZero();
  }

  @Test
  void resultAfterARetryableFailureEndsTheCall() throws IOException {
    SafeRetry retry =
        new SafeRetry("t", fast().retryMaxAttempts(3).retryBudgetTokens(100).build(), stats);
    AtomicInteger attempts = new AtomicInteger();

    String result =
        retry.call(
            () -> {
              if (attempts.incrementAndGet() == 1) {
                throw new RetryableFailure(new SocketException("Connection reset"));
              }
              return attempts.get() == 2 ? "retry" : "ok";
            },
            new Judge(),
            () -> SafeRetry.NO_DEADLINE);

    assertThat(result).isEqualTo("ok");
    assertThat(stats.count(MetricNames.RETRIES)).as("after the reset").isEqualTo(1);
    assertThat(stats.count(MetricNames.STATUS_RETRIES))
        .as("after the retryable result")
        .isEqualTo(1);
  }

  @Test
  void serverAskedWaitBeyondRetryAfterMaxIsNotWaitedTheResultComesBackAtOnce() throws IOException {
    SafeRetry retry =
        new SafeRetry("t", fast().retryAfterMax(Duration.ofSeconds(1)).build(), stats);
    Judge judge = new Judge();
    AtomicInteger attempts = new AtomicInteger();

    String result =
        retry.call(
            () -> {
              attempts.incrementAndGet();
              return "retry:5000";
            },
            judge,
            () -> SafeRetry.NO_DEADLINE);

    assertThat(result).isEqualTo("retry:5000");
    assertThat(attempts).hasValue(1);
    assertThat(judge.discarded).isEmpty();
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_WAIT)).isEqualTo(1);
  }

  @Test
  void serverAskedWaitWithinRetryAfterMaxIsWaitedInsteadOfTheBackoff() throws IOException {
    SafeRetry retry =
        new SafeRetry(
            "t",
            fast()
                .retryInitialBackoff(Duration.ofSeconds(10))
                .retryMaxBackoff(Duration.ofSeconds(10))
                .build(),
            stats);
    AtomicInteger attempts = new AtomicInteger();
    long start = System.nanoTime();

    String result =
        retry.call(
            () -> attempts.incrementAndGet() == 1 ? "retry:20" : "ok",
            new Judge(),
            () -> SafeRetry.NO_DEADLINE);

    assertThat(result).isEqualTo("ok");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .as("20 ms asked, not the 10 s backoff")
        .isBetween(20L, 5000L);
  }

  @Test
  void waitLongerThanTheCallHasLeftIsNotSleptTheLastFailureComesBackAtOnce() {
    SafeRetry retry =
        new SafeRetry(
            "t",
            fast()
                .retryInitialBackoff(Duration.ofSeconds(10))
                .retryMaxBackoff(Duration.ofSeconds(10))
                .build(),
            stats);
    AtomicInteger attempts = new AtomicInteger();
    SocketException reset = new SocketException("Connection reset");

    Throwable thrown =
        catchThrowable(
            () -> retry.call(resetting(attempts, reset), null, () -> TimeUnit.SECONDS.toNanos(2)));

    assertThat(thrown).isSameAs(reset);
    assertThat(attempts).hasValue(1);
    assertThat(stats.count(MetricNames.RETRIES_REFUSED_WAIT)).isEqualTo(1);
  }

  @Test
  void resultsTakeAndGiveBackTokensOfTheSameBudgetAsFailures() throws IOException {
    SafeRetry retry =
        new SafeRetry(
            "t",
            fast().retryMaxAttempts(1).retryBudgetTokens(10).retryBudgetTokenRatio(0.5).build(),
            stats);
    Judge judge = new Judge();

    retry.call(() -> "retry", judge, () -> SafeRetry.NO_DEADLINE);
    retry.call(() -> "failed", judge, () -> SafeRetry.NO_DEADLINE);
    catchThrowable(
        () ->
            retry.call(
                () -> {
                  throw new RetryableFailure(new SocketException("reset"));
                }));
    assertThat(retry.budget().tokens()).isEqualTo(7.0);

    retry.call(() -> "ok", judge, () -> SafeRetry.NO_DEADLINE);
    assertThat(retry.budget().tokens()).isEqualTo(7.5);
  }
}
