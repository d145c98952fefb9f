package dev.fnclients.pool.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Parses and prints durations the way settings are written: {@code 500ms}, {@code 45s}, {@code 2m}, {@code 1h} or ISO-8601. */
public final class Durations {
  private Durations() {}

  /** Parses {@code text}; returns {@code null} when it is not a duration. */
  public static Duration parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("p")) {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
      }
      long amount = Long.parseLong(s.substring(0, s.length() - 1).trim());
      switch (s.charAt(s.length() - 1)) {
        case 's':
          return Duration.ofSeconds(amount);
        case 'm':
          return Duration.ofMinutes(amount);
        case 'h':
          return Duration.ofHours(amount);
        default:
          return null;
      }
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException | ArithmeticException e) {
      return null;
    }
  }

  /** Prints {@code d} in the largest unit that keeps it whole, e.g. {@code 90s}, {@code 1h}, {@code 250ms}. */
  public static String format(Duration d) {
    if (Math.abs(d.getSeconds()) > Long.MAX_VALUE / 1000 - 1) {
      return d.getSeconds() + "s"; // beyond what milliseconds can hold
    }
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms != 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms != 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
