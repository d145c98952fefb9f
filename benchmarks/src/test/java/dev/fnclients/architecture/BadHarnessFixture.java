package dev.fnclients.architecture;

import dev.fnclients.spi.TransportStats;

/** A harness class that breaks the line on purpose, so the boundary check is seen to fail. */
final class BadHarnessFixture {
  private BadHarnessFixture() {}

  static long opened(TransportStats stats) {
    return stats.transport().length();
  }
}
