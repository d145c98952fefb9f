package dev.fnclients.testkit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, for tests of anything that compares ages. Pass {@code
 * clock::read} wherever a {@code Ticker} is wanted.
 */
public final class ManualClock {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  /** The current reading in nanoseconds. */
  public long read() {
    return nanos.get();
  }

  /** Moves the clock forward by {@code duration}. */
  public void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }
}
