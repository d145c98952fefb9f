package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.MetricNames;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;

/**
 * Retries attempts whose failures the adapter marked {@link RetryableFailure safe to retry}, with
 * Resilience4j {@link Retry}: exponential backoff with 50% jitter, at most
 * {@link FnClientsConfig#retryMaxAttempts()} attempts, and a {@link RetryBudget} that refuses
 * retries while most recent attempts fail.
 */
public final class SafeRetry {
  private final String name;
  private final FnClientsConfig config;
  private final RetryBudget budget;
  private final TransportStats stats;
  private final int maxAttempts;
  private volatile Retry retry;

  public SafeRetry(String name, FnClientsConfig config, TransportStats stats) {
    this(name, config, RetryBudget.of(config), stats);
  }

  public SafeRetry(String name, FnClientsConfig config, RetryBudget budget, TransportStats stats) {
    this.name = name;
    this.config = config;
    this.budget = budget;
    this.stats = stats;
    this.maxAttempts = config.retryMaxAttempts();
  }

  /** Built on the first failure that may be retried: the first try of every call stays cheap. */
  private Retry retry() {
    Retry r = retry;
    if (r == null) {
      synchronized (this) {
        if (retry == null) {
          RetryConfig retryConfig =
              RetryConfig.custom()
                  .maxAttempts(maxAttempts)
                  .intervalFunction(
                      IntervalFunction.ofExponentialRandomBackoff(
                          config.retryInitialBackoff(), 2.0, 0.5, config.effectiveRetryMaxBackoff()))
                  .retryOnException(this::shouldRetry)
                  .failAfterMaxAttempts(false)
                  .build();
          Retry built = Retry.of(name, retryConfig);
          built.getEventPublisher().onRetry(event -> stats.increment(MetricNames.RETRIES));
          retry = built;
        }
        r = retry;
      }
    }
    return r;
  }

  private boolean shouldRetry(Throwable failure) {
    // Every retryable failure takes a token, the last attempt's too, as in gRPC throttling.
    return failure instanceof RetryableFailure && budget.onFailure();
  }

  /** One attempt; throws {@link RetryableFailure} for a failure that is safe to retry. */
  @FunctionalInterface
  public interface Attempt<T> {
    T run() throws IOException, RetryableFailure;
  }

  /**
   * Runs {@code attempt} until it succeeds, fails in a way that is not safe to retry, runs out of
   * attempts, or the budget refuses a retry; then rethrows the last failure itself.
   */
  public <T> T call(Attempt<T> attempt) throws IOException {
    RetryableFailure first;
    try {
      T result = attempt.run();
      budget.onSuccess();
      return result;
    } catch (RetryableFailure e) {
      first = e;
    }
    // Resilience4j takes over from the first failure, which it sees as its own first attempt, so
    // backoff, budget and attempt counting are as if it had run the call from the start.
    boolean[] replayed = {false};
    int[] attempts = {1};
    try {
      return Retry.decorateCheckedSupplier(
              retry(),
              () -> {
                if (!replayed[0]) {
                  replayed[0] = true;
                  throw first;
                }
                attempts[0]++;
                T result = attempt.run();
                budget.onSuccess();
                return result;
              })
          .get();
    } catch (RetryableFailure e) {
      if (attempts[0] < maxAttempts) {
        // Attempts were left, so it was the budget that stopped the retry.
        stats.increment(MetricNames.RETRIES_REFUSED_BUDGET);
      }
      throw rethrow(e.failure());
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException(t);
    }
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
}
