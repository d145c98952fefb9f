package dev.fnclients.spi;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.pool.internal.Durations;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One configuration setting, declared once in {@link Settings}: its builder name, environment
 * variable and system property, default, accepted range and how its text is parsed. Builder
 * setters, environment variables and system properties all validate through it, so every error
 * names the setting and the accepted range, and {@link #resolve(Environment)} is the one place the
 * precedence (system property, then environment variable, then default) is decided.
 *
 * <p>Text is read strictly: a variable or property that is set but empty or blank is an error (an
 * easy slip with {@code --set-env-vars} that would otherwise silently mean "default"), and numbers
 * are ASCII digits in the documented forms only ({@code 8}, {@code 0.5}, {@code 500ms}), never
 * other scripts' digits or Java literal suffixes.
 *
 * <p>Parsing, printing and range checks are a switch over the kind of value rather than a function
 * per setting: each lambda or method reference would spin a hidden class at first use, and every
 * setting is resolved on the first {@code FnClients} call of a cold instance.
 *
 * @param <T> the value type
 */
public final class Setting<T> {
  // What a setting's text is and how it is checked. Plain int constants rather than an enum: a
  // switch over an enum compiles to a synthetic lookup class, two classes more on a cold start.
  /** {@code 500ms}, {@code 45s}, {@code 2m}, {@code 1h} or ISO-8601; a {@link Duration}. */
  static final int DURATION = 0;

  /** ASCII digits; an {@link Integer}. */
  static final int INTEGER = 1;

  /** ASCII digits with an optional fraction; a {@link Double}. */
  static final int DECIMAL = 2;

  /** {@code none}, or HTTP statuses separated by commas; a sorted {@code Set<Integer>}. */
  static final int STATUSES = 3;

  /** {@code host:port} or {@code [ipv6]:port}; a {@link String}. */
  static final int HOST_PORT = 4;

  private final String name;
  private final String label;
  private final String envVar;
  private final String property;
  private final int kind;
  // The ends of the range: values of T, except for STATUSES, where they bound each status.
  private final Object min;
  private final Object max;
  private final T defaultValue;
  private final String defaultText;

  Setting(
      String prefix,
      String name,
      int kind,
      Object min,
      Object max,
      T defaultValue,
      String defaultText) {
    this.name = name;
    // StringBuilder and concat() rather than +: javac turns + into invokedynamic, whose bootstrap
    // spins method handles the first time each shape of concatenation runs.
    this.label = prefix == null ? name : capitalized(prefix).concat("Config.").concat(name);
    String key = prefix == null ? name : prefix.concat(capitalized(name));
    this.envVar = "FNCLIENTS_".concat(words(key, '_').toUpperCase(Locale.ROOT));
    this.property = "fnclients.".concat(words(key, '-').toLowerCase(Locale.ROOT));
    this.kind = kind;
    this.min = min;
    this.max = max;
    this.defaultValue = defaultValue == null ? null : normalized(defaultValue);
    this.defaultText = defaultText;
  }

  private static String capitalized(String s) {
    return new StringBuilder(s.length())
        .append(Character.toUpperCase(s.charAt(0)))
        .append(s, 1, s.length())
        .toString();
  }

  /** {@code maxIdleAge} with {@code separator} before each capital: {@code max_Idle_Age}. */
  private static String words(String camel, char separator) {
    StringBuilder b = new StringBuilder(camel.length() + 8);
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        b.append(separator);
      }
      b.append(c);
    }
    return b.toString();
  }

  /** The builder method and the name errors report, e.g. {@code maxIdleAge}. */
  public String name() {
    return name;
  }

  /**
   * The name the README's table lists: {@link #name()} for {@code FnClientsConfig}'s settings, the
   * config class and name for an adapter's, e.g. {@code GrpcConfig.maxInFlightCalls}.
   */
  public String label() {
    return label;
  }

  /** The environment variable, e.g. {@code FNCLIENTS_MAX_IDLE_AGE}. */
  public String envVar() {
    return envVar;
  }

  /** The system property, e.g. {@code fnclients.max-idle-age}. */
  public String property() {
    return property;
  }

  /** The default, or {@code null} when it is derived elsewhere (see {@link #defaultText()}). */
  public T defaultValue() {
    return defaultValue;
  }

  /** The default as the README's table writes it, e.g. {@code 5s}, or where it comes from. */
  public String defaultText() {
    return defaultText != null ? defaultText : print(defaultValue);
  }

  /**
   * The accepted range as text, e.g. {@code 100ms to 1h}; quoted in every error and in the README's
   * table. Computed when asked, so that resolving settings loads no printer.
   */
  @SuppressWarnings("unchecked")
  public String range() {
    switch (kind) {
      case STATUSES:
        return "none, or statuses " + min + " to " + max + " separated by commas";
      case HOST_PORT:
        return "host:port, e.g. localhost:8085";
      default:
        return print((T) min) + " to " + print((T) max);
    }
  }

  private String mustBe() {
    return kind == STATUSES || kind == HOST_PORT ? range() : "between " + range();
  }

  /**
   * Parses {@code text} the way an environment variable is read; {@code null} when it does not
   * parse.
   */
  @SuppressWarnings("unchecked")
  public T parse(String text) {
    switch (kind) {
      case DURATION:
        return (T) Durations.parse(text);
      case INTEGER:
        return (T) parseInt(text);
      case DECIMAL:
        return (T) parseDecimal(text);
      case STATUSES:
        return (T) parseStatuses(text);
      default:
        return (T) text.trim();
    }
  }

  /** Prints a value the way it would be written in an environment variable. */
  public String print(T value) {
    switch (kind) {
      case DURATION:
        return Durations.format((Duration) value);
      case STATUSES:
        return printStatuses((Set<?>) value);
      default:
        return String.valueOf(value);
    }
  }

  @SuppressWarnings("unchecked")
  private boolean inRange(T value) {
    switch (kind) {
      case STATUSES:
        for (Object s : (Set<?>) value) {
          if (!(s instanceof Integer)
              || ((Integer) s).compareTo((Integer) min) < 0
              || ((Integer) s).compareTo((Integer) max) > 0) {
            return false;
          }
        }
        return true;
      case HOST_PORT:
        return isHostPort(((String) value).trim());
      default:
        // Duration, Integer and Double are comparable; Double.compareTo puts NaN above everything.
        return ((Comparable<Object>) value).compareTo(min) >= 0
            && ((Comparable<Object>) value).compareTo(max) <= 0;
    }
  }

  /**
   * Returns {@code value} (trimmed for {@code host:port}, a sorted unmodifiable copy for statuses)
   * when it is within range; otherwise throws naming the setting and range.
   */
  public T check(T value) {
    if (value == null) {
      throw new InvalidConfigurationException(
          name, name + " must not be null; accepted range " + range());
    }
    if (!inRange(value)) {
      String was = kind == HOST_PORT ? "'" + value + "'" : print(value);
      throw new InvalidConfigurationException(name, name + " must be " + mustBe() + ", was " + was);
    }
    return normalized(value);
  }

  @SuppressWarnings("unchecked")
  private T normalized(T value) {
    switch (kind) {
      case STATUSES:
        return (T) Collections.unmodifiableSortedSet(new TreeSet<>((Set<Integer>) value));
      case HOST_PORT:
        return (T) ((String) value).trim();
      default:
        return value;
    }
  }

  /**
   * The value in force when no builder setter overrides it: the system property, else the
   * environment variable, else {@link #defaultValue()}. A value that is set but empty or blank,
   * does not parse or is out of range throws, naming where it came from and the accepted range.
   */
  public T resolve(Environment env) {
    return resolve(env, defaultValue);
  }

  /**
   * As {@link #resolve(Environment)}, with {@code fallback} as the default (e.g. one the platform
   * decides).
   */
  public T resolve(Environment env, T fallback) {
    T value = read(env);
    return value != null ? value : fallback;
  }

  /**
   * As {@link #resolve(Environment)}, but {@code null} when neither the property nor the variable
   * is set.
   */
  public T read(Environment env) {
    String source = property;
    String raw = env.getProperty(source);
    if (raw == null) {
      source = envVar;
      raw = env.getenv(source);
    }
    if (raw == null) {
      return null;
    }
    if (raw.isBlank()) {
      throw new InvalidConfigurationException(
          name,
          source
              + " is set but empty; unset it for the default or give "
              + example()
              + "; accepted range "
              + range());
    }
    T value = parse(raw);
    if (value == null) {
      throw new InvalidConfigurationException(
          name, source + "='" + raw + "' is not " + example() + "; accepted range " + range());
    }
    if (!inRange(value)) {
      throw new InvalidConfigurationException(
          name, source + "=" + raw + " is out of range: " + name + " must be " + mustBe());
    }
    return normalized(value);
  }

  private String example() {
    switch (kind) {
      case DURATION:
        return "a duration such as 500ms, 45s, 2m or PT1M";
      case INTEGER:
        return "a whole number in ASCII digits";
      case DECIMAL:
        return "a decimal number such as 0.5";
      case STATUSES:
        return "a list of statuses such as 429,503, or none";
      default:
        return "host:port";
    }
  }

  // ---- the parsers: ASCII only, no regular expressions (none is compiled unless a value is set)
  // ----

  /** True for an optional minus and ASCII digits from {@code from} on, at least one. */
  private static boolean isDigits(String s, int from) {
    int i = from < s.length() && s.charAt(from) == '-' ? from + 1 : from;
    if (i >= s.length()) {
      return false;
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * ASCII digits with an optional minus; values past the int range saturate, so the range check
   * names them.
   */
  private static Integer parseInt(String text) {
    String t = text.trim();
    if (!isDigits(t, 0)) {
      return null;
    }
    boolean negative = t.charAt(0) == '-';
    int start = negative ? 1 : 0;
    while (start < t.length() - 1 && t.charAt(start) == '0') {
      start++;
    }
    String digits = t.substring(start);
    if (digits.length() > 10) {
      return negative ? Integer.MIN_VALUE : Integer.MAX_VALUE;
    }
    long v = Long.parseLong(digits);
    v = negative ? -v : v;
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }

  /**
   * ASCII digits with an optional fraction, e.g. {@code 0.25}; no exponent, suffix, NaN or
   * infinity.
   */
  private static Double parseDecimal(String text) {
    String t = text.trim();
    int dot = t.indexOf('.');
    if (dot < 0
        ? !isDigits(t, 0)
        : !isDigits(t.substring(0, dot), 0)
            || !isDigits(t.substring(dot + 1), 0)
            || t.charAt(dot + 1) == '-') {
      return null;
    }
    return Double.parseDouble(
        t); // the text is plain decimal digits, which parseDouble reads exactly as written
  }

  /** {@code none}, or three-digit statuses separated by commas (blanks around each ignored). */
  private static SortedSet<Integer> parseStatuses(String text) {
    String t = text.trim();
    if (t.equalsIgnoreCase("none")) {
      return Collections.emptySortedSet();
    }
    TreeSet<Integer> statuses = new TreeSet<>();
    for (String part : t.split(",", -1)) {
      String p = part.trim();
      if (p.length() != 3 || !isDigits(p, 0) || p.charAt(0) == '-') {
        return null;
      }
      statuses.add(Integer.valueOf(p));
    }
    return Collections.unmodifiableSortedSet(statuses);
  }

  private static String printStatuses(Set<?> statuses) {
    if (statuses.isEmpty()) {
      return "none";
    }
    StringBuilder b = new StringBuilder();
    for (Object s : new TreeSet<>(statuses)) {
      b.append(b.length() == 0 ? "" : ",").append(s);
    }
    return b.toString();
  }

  /**
   * {@code host:port} (no scheme, path or blank) or {@code [ipv6]:port}, the port one to five ASCII
   * digits.
   */
  private static boolean isHostPort(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0
        || s.length() - colon - 1 < 1
        || s.length() - colon - 1 > 5
        || !isDigits(s.substring(colon + 1), 0)
        || s.charAt(colon + 1) == '-') {
      return false;
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[")) {
      return host.length() > 2
          && host.endsWith("]")
          && host.substring(1, host.length() - 1).matches("[0-9a-fA-F:]+");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c)) {
        return false;
      }
    }
    return true;
  }
}
