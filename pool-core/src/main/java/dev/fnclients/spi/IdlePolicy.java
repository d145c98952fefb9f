package dev.fnclients.spi;

import dev.fnclients.pool.FnClientsConfig;
import dev.fnclients.pool.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * Decides whether a connection idle since a given instant may still be used. A pure function of
 * timestamps read from an injected {@link Ticker}: it is evaluated when a connection is taken, so
 * it holds even when background threads (pool cleanup, keepalive pings) were frozen between
 * invocations.
 */
public final class IdlePolicy {
  private final long maxIdleNanos;
  private final Ticker ticker;

  public IdlePolicy(Duration maxIdleAge, Ticker ticker) {
    this.maxIdleNanos = maxIdleAge.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /** The policy of {@code config}: its {@link FnClientsConfig#maxIdleAge()} and ticker. */
  public static IdlePolicy of(FnClientsConfig config) {
    return new IdlePolicy(config.maxIdleAge(), config.ticker());
  }

  /**
   * True when a connection idle since {@code idleSinceNanos} must not be reused at {@code
   * nowNanos}.
   */
  public static boolean isExpired(long idleSinceNanos, long nowNanos, long maxIdleNanos) {
    return nowNanos - idleSinceNanos > maxIdleNanos;
  }

  /**
   * The idle limit for one connection: the configured maximum, shortened by a server's {@code
   * Keep-Alive: timeout=} hint so that the connection is dropped a second before the server would
   * close it. {@code serverTimeoutNanos} is negative when the server gave no hint.
   */
  public long limitNanos(long serverTimeoutNanos) {
    if (serverTimeoutNanos < 0) {
      return maxIdleNanos;
    }
    return Math.max(0, Math.min(maxIdleNanos, serverTimeoutNanos - 1_000_000_000L));
  }

  /**
   * True when a connection idle since {@code idleSinceNanos}, with the given limit, is expired now.
   */
  public boolean isExpired(long idleSinceNanos, long limitNanos) {
    return isExpired(idleSinceNanos, ticker.read(), limitNanos);
  }

  /** The current reading of this policy's ticker. */
  public long now() {
    return ticker.read();
  }

  /** The configured maximum idle age in nanoseconds. */
  public long maxIdleNanos() {
    return maxIdleNanos;
  }
}
