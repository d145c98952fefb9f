package dev.fnclients.pool.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints durations the way settings are written: {@code 500ms}, {@code 45s}, {@code 2m},
 * {@code 1h} or ISO-8601.
 */
public final class Durations {
  private Durations() {}

  // The short forms: ASCII digits, optionally negative (so that a range check can name the value).
  private static final Pattern SHORT = Pattern.compile("(-?[0-9]+)(ms|s|m|h)");

  /**
   * Parses {@code text}: {@code 500ms}, {@code 45s}, {@code 2m}, {@code 1h} (any letter case,
   * blanks around it ignored) or ISO-8601 such as {@code PT45S}. Returns {@code null} when it is
   * not a duration, including digits of other scripts and any other spelling.
   */
  public static Duration parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("p") || s.startsWith("-p")) {
        return Duration.parse(s.toUpperCase(Locale.ROOT)); // its grammar takes ASCII digits only
      }
      Matcher m = SHORT.matcher(s);
      if (!m.matches()) {
        return null;
      }
      long amount = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(amount);
        case "s":
          return Duration.ofSeconds(amount);
        case "m":
          return Duration.ofMinutes(amount);
        default:
          return Duration.ofHours(amount);
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  /**
   * Prints {@code d} in the largest unit that keeps it whole, e.g. {@code 90s}, {@code 1h}, {@code
   * 250ms}.
   */
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
