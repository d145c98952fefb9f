package dev.fnclients.architecture;

import dev.fnclients.spi.TransportStats;
import dev.fnclients.testkit.ManualClock;

/**
 * A harness class that breaks the line on purpose, so the boundary check is seen to fail: it uses
 * plumbing, and the testkit (which the deployable example must not).
 */
final class BadHarnessFixture {
  private BadHarnessFixture() {}

  static long opened(TransportStats stats) {
    return stats.transport().length();
  }

  static ManualClock clock() {
    return null;
  }
}
