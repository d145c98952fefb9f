package dev.fnclients.spi;

import java.time.Duration;

/**
 * Something that flushes and closes within a time budget, as a function instance must after
 * SIGTERM.
 */
@FunctionalInterface
public interface GracefulCloseable {

  /**
   * Flushes pending work and releases resources, taking at most about {@code timeout}; forcibly
   * closes what is still open at the end. Must be idempotent.
   */
  void close(Duration timeout) throws Exception;
}
