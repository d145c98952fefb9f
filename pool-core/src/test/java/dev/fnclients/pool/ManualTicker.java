package dev.fnclients.pool;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that only moves when a test advances it. Starts at an arbitrary non-zero reading. */
final class ManualTicker implements Ticker {
  private final AtomicLong nanos;

  ManualTicker() {
    this(1_000_000_000_000L);
  }

  ManualTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  ManualTicker advance(Duration d) {
    nanos.addAndGet(d.toNanos());
    return this;
  }

  ManualTicker advanceNanos(long n) {
    nanos.addAndGet(n);
    return this;
  }
}
