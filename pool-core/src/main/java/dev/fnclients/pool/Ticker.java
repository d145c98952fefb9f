package dev.fnclients.pool;

import dev.fnclients.pool.internal.SystemTicker;

/**
 * A source of monotonic time in nanoseconds, injected wherever the library compares ages.
 *
 * <p>Idle ages are measured against this ticker when a connection is taken, never by a background
 * timer, so they stay correct when the platform throttled the CPU between invocations. On Linux the
 * system ticker ({@link System#nanoTime()}) keeps advancing while the process is stopped. Tests
 * inject a manual ticker to move time without sleeping.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Returns the current reading in nanoseconds; only differences between readings are meaningful.
   */
  long read();

  /** Returns the ticker backed by {@link System#nanoTime()}. */
  static Ticker systemTicker() {
    return SystemTicker.INSTANCE;
  }
}
