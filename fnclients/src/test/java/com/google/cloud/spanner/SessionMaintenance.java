package com.google.cloud.spanner;

import java.time.Duration;

/**
 * Shortens the Spanner client's session upkeep for tests. Since 6.9x the client keeps one
 * multiplexed session per database, replaced by a background maintainer (every 10 minutes by
 * default) once older than 7 days; the settings are package-private, hence this class in the
 * client's package (test code only).
 */
public final class SessionMaintenance {
  private SessionMaintenance() {}

  /**
   * Session options whose maintainer runs every {@code loop} and replaces a session older than
   * {@code maxAge}.
   */
  public static SessionPoolOptions every(Duration loop, Duration maxAge) {
    return SessionPoolOptions.newBuilder()
        .setMultiplexedSessionMaintenanceLoopFrequency(loop)
        .setMultiplexedSessionMaintenanceDuration(maxAge)
        .build();
  }
}
