package dev.fnclients.pool.internal;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration setting: its name, where it is read from, its accepted range and how its text
 * is parsed. Builder setters, environment variables and system properties all validate through
 * the same descriptor, so every error names the setting and the accepted range.
 *
 * @param <T> the value type
 */
public final class Setting<T extends Comparable<T>> {
  private final String name;
  private final T min;
  private final T max;
  private final Function<String, T> parser;
  private final Function<T, String> printer;
  private final String example;

  private Setting(String name, T min, T max, Function<String, T> parser, Function<T, String> printer, String example) {
    this.name = name;
    this.min = min;
    this.max = max;
    this.parser = parser;
    this.printer = printer;
    this.example = example;
  }

  public static Setting<Duration> duration(String name, Duration min, Duration max) {
    return new Setting<>(name, min, max, Durations::parse, Durations::format, "a duration such as 500ms, 45s, 2m or PT1M");
  }

  public static Setting<Integer> integer(String name, int min, int max) {
    return new Setting<>(name, min, max, Setting::parseInt, String::valueOf, "a whole number");
  }

  public static Setting<Double> decimal(String name, double min, double max) {
    return new Setting<>(name, min, max, Setting::parseDouble, String::valueOf, "a decimal number");
  }

  /** The builder method and the camelCase name, e.g. {@code maxIdleAge}. */
  public String name() {
    return name;
  }

  /** The environment variable, e.g. {@code FNCLIENTS_MAX_IDLE_AGE}. */
  public String envVar() {
    return "FNCLIENTS_" + name.replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT);
  }

  /** The system property, e.g. {@code fnclients.max-idle-age}. */
  public String property() {
    return "fnclients." + name.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
  }

  /** The accepted range as text, e.g. {@code 100ms to 1h}. */
  public String range() {
    return printer.apply(min) + " to " + printer.apply(max);
  }

  /** Prints a value the way it would be written in an environment variable. */
  public String print(T value) {
    return printer.apply(value);
  }

  /** Returns {@code value} when it is within range; otherwise throws naming the setting and range. */
  public T check(T value) {
    if (value == null) {
      throw new InvalidConfigurationException(name, name + " must not be null; accepted range " + range());
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidConfigurationException(
          name, name + " must be between " + range() + ", was " + printer.apply(value));
    }
    return value;
  }

  /**
   * Reads the setting from {@code env}: the system property wins over the environment variable.
   * Returns {@code null} when neither is set.
   */
  public T read(Environment env) {
    String source = property();
    String raw = env.getProperty(source);
    if (raw == null || raw.isBlank()) {
      source = envVar();
      raw = env.getenv(source);
    }
    if (raw == null || raw.isBlank()) {
      return null;
    }
    T value = parser.apply(raw);
    if (value == null) {
      throw new InvalidConfigurationException(
          name, source + "='" + raw + "' is not " + example + "; accepted range " + range());
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidConfigurationException(
          name, source + "=" + raw + " is out of range: " + name + " must be between " + range());
    }
    return value;
  }

  private static Integer parseInt(String s) {
    try {
      return Integer.valueOf(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Double parseDouble(String s) {
    try {
      double d = Double.parseDouble(s.trim());
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
