package dev.fnclients.pool.internal;

import dev.fnclients.pool.Ticker;

/** The stateless default {@link Ticker}, an enum singleton. */
public enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
