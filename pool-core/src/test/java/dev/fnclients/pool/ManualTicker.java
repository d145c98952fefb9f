package dev.fnclients.pool;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that only moves when a test advances it. Starts at an arbitrary non-zero
 * reading.
 */
public final class ManualTicker implements Ticker {
  private final AtomicLong nanos;

  public ManualTicker() {
    this(1_000_000_000_000L);
  }

  public ManualTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  public ManualTicker advance(Duration d) {
    nanos.addAndGet(d.toNanos());
    return this;
  }

  public ManualTicker advanceNanos(long n) {
    nanos.addAndGet(n);
    return this;
  }
}
