package dev.fnclients.pool.internal;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One configuration setting: its name, where it is read from, its accepted range and how its text
 * is parsed. Builder setters, environment variables and system properties all validate through
 * the same descriptor, so every error names the setting and the accepted range.
 *
 * <p>Text is read strictly: a variable or property that is set but empty or blank is an error (an
 * easy slip with {@code --set-env-vars} that would otherwise silently mean "default"), and numbers
 * are ASCII digits in the documented forms only ({@code 8}, {@code 0.5}, {@code 500ms}), never
 * other scripts' digits or Java literal suffixes.
 *
 * @param <T> the value type
 */
public final class Setting<T> {
  private static final Pattern WHOLE = Pattern.compile("-?[0-9]+");
  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

  private final String name;
  private final Predicate<T> inRange;
  private final String range;
  private final String mustBe;
  private final Function<String, T> parser;
  private final Function<T, String> printer;
  private final String example;

  private Setting(
      String name,
      Predicate<T> inRange,
      String range,
      String mustBe,
      Function<String, T> parser,
      Function<T, String> printer,
      String example) {
    this.name = name;
    this.inRange = inRange;
    this.range = range;
    this.mustBe = mustBe;
    this.parser = parser;
    this.printer = printer;
    this.example = example;
  }

  private static <C extends Comparable<C>> Setting<C> between(
      String name, C min, C max, Function<String, C> parser, Function<C, String> printer, String example) {
    String range = printer.apply(min) + " to " + printer.apply(max);
    return new Setting<>(
        name, v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0, range, "between " + range, parser, printer, example);
  }

  public static Setting<Duration> duration(String name, Duration min, Duration max) {
    return between(name, min, max, Durations::parse, Durations::format, "a duration such as 500ms, 45s, 2m or PT1M");
  }

  public static Setting<Integer> integer(String name, int min, int max) {
    return between(name, min, max, Setting::parseInt, String::valueOf, "a whole number in ASCII digits");
  }

  public static Setting<Double> decimal(String name, double min, double max) {
    return between(name, min, max, Setting::parseDouble, String::valueOf, "a decimal number such as 0.5");
  }

  /**
   * A setting of any type: {@code inRange} decides what is accepted and {@code range} says it in
   * words (it is quoted in every error and in the README's table).
   */
  public static <V> Setting<V> of(
      String name, Predicate<V> inRange, String range, Function<String, V> parser, Function<V, String> printer, String example) {
    return new Setting<>(name, inRange, range, range, parser, printer, example);
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
    return range;
  }

  /** Parses {@code text} the way an environment variable is read; {@code null} when it does not parse. */
  public T parse(String text) {
    return parser.apply(text);
  }

  /** Prints a value the way it would be written in an environment variable. */
  public String print(T value) {
    return printer.apply(value);
  }

  /** Returns {@code value} when it is within range; otherwise throws naming the setting and range. */
  public T check(T value) {
    if (value == null) {
      throw new InvalidConfigurationException(name, name + " must not be null; accepted range " + range);
    }
    if (!inRange.test(value)) {
      throw new InvalidConfigurationException(name, name + " must be " + mustBe + ", was " + printer.apply(value));
    }
    return value;
  }

  /**
   * Reads the setting from {@code env}: the system property wins over the environment variable.
   * Returns {@code null} when neither is set; a value that is set but empty or blank, does not
   * parse or is out of range throws, naming where it came from and the accepted range.
   */
  public T read(Environment env) {
    String source = property();
    String raw = env.getProperty(source);
    if (raw == null) {
      source = envVar();
      raw = env.getenv(source);
    }
    if (raw == null) {
      return null;
    }
    if (raw.isBlank()) {
      throw new InvalidConfigurationException(
          name, source + " is set but empty; unset it for the default or give " + example + "; accepted range " + range);
    }
    T value = parser.apply(raw);
    if (value == null) {
      throw new InvalidConfigurationException(
          name, source + "='" + raw + "' is not " + example + "; accepted range " + range);
    }
    if (!inRange.test(value)) {
      throw new InvalidConfigurationException(
          name, source + "=" + raw + " is out of range: " + name + " must be " + mustBe);
    }
    return value;
  }

  /** ASCII digits with an optional minus; values past the int range saturate, so the range check names them. */
  private static Integer parseInt(String s) {
    String t = s.trim();
    if (!WHOLE.matcher(t).matches()) {
      return null;
    }
    BigInteger v = new BigInteger(t);
    return v.max(BigInteger.valueOf(Integer.MIN_VALUE)).min(BigInteger.valueOf(Integer.MAX_VALUE)).intValue();
  }

  /** ASCII digits with an optional fraction, e.g. {@code 0.25}; no exponent, suffix, NaN or infinity. */
  private static Double parseDouble(String s) {
    String t = s.trim();
    if (!DECIMAL.matcher(t).matches()) {
      return null;
    }
    return new BigDecimal(t).doubleValue();
  }
}
