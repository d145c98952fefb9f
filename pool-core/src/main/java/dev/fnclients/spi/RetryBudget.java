package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsConfig;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket that stops retries during an outage, in the manner of gRPC retry throttling: it
 * starts full at {@code maxTokens}; every failed attempt takes one token, every success returns
 * {@code tokenRatio}; a retry is allowed only while more than half the tokens remain. So when most
 * calls fail, retries stop and load is not multiplied; as calls succeed again, retries return.
 */
public final class RetryBudget {
  private static final long SCALE = 1000; // tokens are kept in thousandths, as gRPC does
  private final long max;
  private final long ratio;
  private final AtomicLong tokens;

  public RetryBudget(int maxTokens, double tokenRatio) {
    this.max = maxTokens * SCALE;
    this.ratio = Math.max(1, Math.round(tokenRatio * SCALE));
    this.tokens = new AtomicLong(max);
  }

  /** The budget of {@code config}. */
  public static RetryBudget of(FnClientsConfig config) {
    return new RetryBudget(config.retryBudgetTokens(), config.retryBudgetTokenRatio());
  }

  /** Records a successful attempt. */
  public void onSuccess() {
    // The common case, a full bucket, is a plain read: no write on every success. A loop rather
    // than accumulateAndGet, whose lambda would be spun on a function's first call.
    for (long t = tokens.get(); t < max; t = tokens.get()) {
      if (tokens.compareAndSet(t, Math.min(max, t + ratio))) {
        return;
      }
    }
  }

  /** Records a failed attempt and returns whether a retry is allowed after it. */
  public boolean onFailure() {
    long t;
    long left;
    do {
      t = tokens.get();
      left = Math.max(0, t - SCALE);
    } while (t != left && !tokens.compareAndSet(t, left));
    return left * 2 > max;
  }

  /** The tokens left, for metrics and tests. */
  public double tokens() {
    return tokens.get() / (double) SCALE;
  }
}
