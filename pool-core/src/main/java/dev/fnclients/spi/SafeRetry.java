package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Retries attempts that failed in a way safe to retry, or returned a result the transport calls
 * retryable (an HTTP status such as 503 on an idempotent request), with Resilience4j {@link Retry}:
 * at most {@link FnClientsConfig#retryMaxAttempts()} attempts, each retry after the wait the server
 * asked for ({@code Retry-After}) or else exponential backoff with 50% jitter, and one {@link
 * RetryBudget} for both kinds that refuses retries while most recent attempts fail.
 *
 * <p>No wait outlasts the call: a retry whose wait is longer than the call has left, or whose
 * server-asked wait is longer than {@link FnClientsConfig#retryAfterMax()}, is not made; the caller
 * gets the last failure or result at once.
 */
public final class SafeRetry {
  /**
   * {@link #call}'s {@code nanosLeft} for a call without a deadline; the same as {@link
   * ConnectionCap#NO_DEADLINE}.
   */
  public static final long NO_DEADLINE = ConnectionCap.NO_DEADLINE;

  private final String name;
  private final RetryBudget budget;
  private final TransportStats stats;
  private final int maxAttempts;
  private final long retryAfterMaxNanos;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private volatile IntervalFunction backoff;
  private volatile Retry retry;

  public SafeRetry(String name, FnClientsConfig config, TransportStats stats) {
    this(name, config, RetryBudget.of(config), stats);
  }

  public SafeRetry(String name, FnClientsConfig config, RetryBudget budget, TransportStats stats) {
    this.name = name;
    this.budget = budget;
    this.stats = stats;
    this.maxAttempts = config.retryMaxAttempts();
    this.retryAfterMaxNanos = config.retryAfterMax().toNanos();
    this.initialBackoff = config.retryInitialBackoff();
    this.maxBackoff = config.effectiveRetryMaxBackoff();
  }

  /** Built on the first backoff: a call that never retries loads none of Resilience4j. */
  private IntervalFunction backoff() {
    IntervalFunction b = backoff;
    if (b == null) {
      b = IntervalFunction.ofExponentialRandomBackoff(initialBackoff, 2.0, 0.5, maxBackoff);
      backoff = b; // a race builds two equal functions; either will do
    }
    return b;
  }

  /** What an attempt's result means for the call. */
  public enum Verdict {
    /** The call succeeded (for the budget) and ends with this result. */
    SUCCESS,
    /**
     * The result reports a failure (it takes a budget token) but may not be retried: the call ends
     * with it.
     */
    FAILURE,
    /** The result reports a failure that is safe to retry. */
    RETRY
  }

  /** How a transport judges its attempts' results. */
  public interface Results<T> {
    /** What {@code result} means for the call. */
    Verdict verdict(T result);

    /**
     * The wait before the next attempt that the server asked for with {@code result}, in
     * nanoseconds, or a negative number when it asked for none (the backoff applies then). Asked
     * only of results judged {@link Verdict#RETRY}.
     */
    long requestedWaitNanos(T result);

    /** Disposes of a result that is being retried, e.g. closes its body. */
    void discard(T result);
  }

  /** One attempt; throws {@link RetryableFailure} for a failure that is safe to retry. */
  @FunctionalInterface
  public interface Attempt<T> {
    T run() throws IOException, RetryableFailure;
  }

  /** Built on the first attempt that may be retried: the first try of every call stays cheap. */
  private Retry retry() {
    Retry r = retry;
    if (r == null) {
      synchronized (this) {
        if (retry == null) {
          RetryConfig config =
              RetryConfig.<Outcome<?>>custom()
                  .maxAttempts(maxAttempts)
                  // The decision, the wait included, is made by Run.decide before Resilience4j
                  // looks: it needs the call's deadline and attempt count, which these do not see.
                  .retryOnException(
                      t -> t instanceof RetryableFailure && ((RetryableFailure) t).waitNanos >= 0)
                  .retryOnResult(o -> o.waitNanos >= 0)
                  .intervalBiFunction(
                      (attempts, either) ->
                          TimeUnit.NANOSECONDS.toMillis(waitNanos(either) + 999_999))
                  .consumeResultBeforeRetryAttempt((attempts, o) -> o.discard())
                  .failAfterMaxAttempts(false)
                  .build();
          Retry built = Retry.of(name, config);
          built
              .getEventPublisher()
              .onRetry(
                  event ->
                      stats.increment(
                          event.getLastThrowable() != null
                              ? MetricNames.RETRIES
                              : MetricNames.STATUS_RETRIES));
          retry = built;
        }
        r = retry;
      }
    }
    return r;
  }

  private static long waitNanos(Either<Throwable, Outcome<?>> either) {
    return either.isLeft()
        ? ((RetryableFailure) either.getLeft()).waitNanos
        : either.get().waitNanos;
  }

  /**
   * Runs {@code attempt} until it succeeds or fails in a way that is not safe to retry, without
   * results to judge and without a deadline; see {@link #call(Attempt, Results, LongSupplier)}.
   */
  public <T> T call(Attempt<T> attempt) throws IOException {
    return call(attempt, null, null);
  }

  /**
   * Runs {@code attempt} until it succeeds, fails in a way that is not safe to retry, returns a
   * result that is not to be retried, runs out of attempts, or a retry is refused (by the budget,
   * or because its wait would be too long); then returns the last result or rethrows the last
   * failure itself.
   *
   * @param results judges results, or {@code null} when every result ends the call
   * @param nanosLeft the time the call has left, or {@link #NO_DEADLINE}; {@code null} for a call
   *     without a deadline
   */
  public <T> T call(Attempt<T> attempt, Results<T> results, LongSupplier nanosLeft)
      throws IOException {
    // The first attempt runs here, outside the retry machinery: most calls end with it, and then
    // allocate nothing for their retries.
    T value;
    try {
      value = attempt.run();
    } catch (RetryableFailure e) {
      Run<T> run = new Run<>(attempt, results, nanosLeft);
      e.waitNanos = run.decide(-1);
      if (e.waitNanos < 0) {
        throw rethrow(e.failure());
      }
      return run.retryAfter(e);
    }
    Verdict verdict = results == null ? Verdict.SUCCESS : results.verdict(value);
    if (verdict == Verdict.SUCCESS) {
      budget.onSuccess();
      return value;
    }
    if (verdict == Verdict.FAILURE) {
      budget.onFailure();
      return value;
    }
    Run<T> run = new Run<>(attempt, results, nanosLeft);
    long wait = run.decide(results.requestedWaitNanos(value));
    if (wait < 0) {
      return value;
    }
    return run.retryAfter(new Outcome<>(value, results, wait));
  }

  private static IOException rethrow(Exception failure) {
    if (failure instanceof IOException) {
      return (IOException) failure;
    }
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
    return new IOException(failure);
  }

  /** The budget this retry draws on. */
  public RetryBudget budget() {
    return budget;
  }

  /** The underlying Resilience4j retry, for its own metrics and events; built on first need. */
  public Retry resilience4jRetry() {
    return retry();
  }

  /**
   * An attempt's result with the decision about it: {@code waitNanos >= 0} means retry after that
   * wait.
   */
  private static final class Outcome<T> {
    final T value;
    final Results<T> results;
    final long waitNanos;

    Outcome(T value, Results<T> results, long waitNanos) {
      this.value = value;
      this.results = results;
      this.waitNanos = waitNanos;
    }

    void discard() {
      results.discard(value);
    }
  }

  /**
   * One call that may be retried: its attempts so far (the first, made by {@link #call}, included)
   * and its deadline.
   */
  private final class Run<T> {
    private final Attempt<T> attempt;
    private final Results<T> results;
    private final LongSupplier nanosLeft;
    private int attempts = 1;

    Run(Attempt<T> attempt, Results<T> results, LongSupplier nanosLeft) {
      this.attempt = attempt;
      this.results = results;
      this.nanosLeft = nanosLeft;
    }

    /**
     * Runs the next attempt and decides whether what it gives is to be retried, and after what
     * wait.
     */
    Outcome<T> next() throws IOException, RetryableFailure {
      attempts++;
      T value;
      try {
        value = attempt.run();
      } catch (RetryableFailure e) {
        e.waitNanos = decide(-1);
        throw e;
      }
      Verdict verdict = results == null ? Verdict.SUCCESS : results.verdict(value);
      switch (verdict) {
        case SUCCESS:
          budget.onSuccess();
          return new Outcome<>(value, results, -1);
        case FAILURE:
          budget.onFailure();
          return new Outcome<>(value, results, -1);
        default:
          return new Outcome<>(value, results, decide(results.requestedWaitNanos(value)));
      }
    }

    /**
     * For an attempt that failed in a way safe to retry: the wait before the next attempt, or -1
     * when there is to be none. Every such attempt takes a budget token, the last one's too, as in
     * gRPC's retry throttling.
     */
    private long decide(long requestedWaitNanos) {
      boolean allowed = budget.onFailure();
      if (attempts >= maxAttempts) {
        return -1;
      }
      if (!allowed) {
        stats.increment(MetricNames.RETRIES_REFUSED_BUDGET);
        return -1;
      }
      long wait;
      if (requestedWaitNanos >= 0) {
        if (requestedWaitNanos > retryAfterMaxNanos) {
          stats.increment(MetricNames.RETRIES_REFUSED_WAIT);
          return -1;
        }
        wait = requestedWaitNanos;
      } else {
        wait = TimeUnit.MILLISECONDS.toNanos(backoff().apply(attempts));
      }
      if (nanosLeft != null && wait >= nanosLeft.getAsLong()) {
        stats.increment(
            MetricNames.RETRIES_REFUSED_WAIT); // it would still be waiting at the deadline
        return -1;
      }
      return wait;
    }

    /**
     * Resilience4j takes over from the first attempt, which it sees as its own first, so that
     * waits, events and attempt counting are as if it had run the call from the start.
     */
    T retryAfter(Object first) throws IOException {
      boolean[] replayed = {false};
      try {
        @SuppressWarnings("unchecked")
        Outcome<T> last =
            (Outcome<T>)
                Retry.decorateCheckedSupplier(
                        retry(),
                        () -> {
                          if (!replayed[0]) {
                            replayed[0] = true;
                            if (first instanceof RetryableFailure) {
                              throw (RetryableFailure) first;
                            }
                            return first;
                          }
                          return next();
                        })
                    .get();
        return last.value;
      } catch (RetryableFailure e) {
        throw rethrow(e.failure());
      } catch (IOException | RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IOException(t);
      }
    }
  }
}
