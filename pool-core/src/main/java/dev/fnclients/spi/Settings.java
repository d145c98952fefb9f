package dev.fnclients.pool.internal;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Every setting of {@code FnClientsConfig}, with its accepted range; the one place they are named. */
public final class Settings {
  private Settings() {}

  public static final Setting<Duration> MAX_IDLE_AGE =
      Setting.duration("maxIdleAge", Duration.ofMillis(100), Duration.ofHours(1));
  public static final Setting<Integer> MAX_CONNECTIONS = Setting.integer("maxConnections", 1, 10_000);
  public static final Setting<Integer> MAX_CONNECTIONS_PER_HOST =
      Setting.integer("maxConnectionsPerHost", 1, 10_000);
  public static final Setting<Duration> CAP_WAIT =
      Setting.duration("capWait", Duration.ZERO, Duration.ofMinutes(10));
  public static final Setting<Duration> CONNECT_TIMEOUT =
      Setting.duration("connectTimeout", Duration.ofMillis(1), Duration.ofMinutes(5));
  public static final Setting<Duration> READ_TIMEOUT =
      Setting.duration("readTimeout", Duration.ofMillis(1), Duration.ofMinutes(10));
  public static final Setting<Duration> WRITE_TIMEOUT =
      Setting.duration("writeTimeout", Duration.ofMillis(1), Duration.ofMinutes(10));
  public static final Setting<Duration> CALL_TIMEOUT =
      Setting.duration("callTimeout", Duration.ofMillis(1), Duration.ofHours(1));
  public static final Setting<Duration> DNS_TTL =
      Setting.duration("dnsTtl", Duration.ZERO, Duration.ofHours(1));
  public static final Setting<Duration> DNS_STALE_IF_ERROR =
      Setting.duration("dnsStaleIfError", Duration.ZERO, Duration.ofHours(24));
  public static final Setting<Integer> RETRY_MAX_ATTEMPTS = Setting.integer("retryMaxAttempts", 1, 10);
  public static final Setting<Duration> RETRY_INITIAL_BACKOFF =
      Setting.duration("retryInitialBackoff", Duration.ofMillis(1), Duration.ofSeconds(10));
  public static final Setting<Duration> RETRY_MAX_BACKOFF =
      Setting.duration("retryMaxBackoff", Duration.ofMillis(1), Duration.ofMinutes(1));
  public static final Setting<Integer> RETRY_BUDGET_TOKENS = Setting.integer("retryBudgetTokens", 1, 1000);
  public static final Setting<Double> RETRY_BUDGET_TOKEN_RATIO =
      Setting.decimal("retryBudgetTokenRatio", 0.001, 1.0);
  public static final Setting<Set<Integer>> RETRY_STATUSES =
      Setting.of(
          "retryStatuses",
          Settings::areRetryableStatuses,
          "none, or statuses 400 to 599 separated by commas",
          Settings::parseStatuses,
          Settings::printStatuses,
          "a list of statuses such as 429,503, or none");
  public static final Setting<Duration> RETRY_AFTER_MAX =
      Setting.duration("retryAfterMax", Duration.ZERO, Duration.ofMinutes(5));
  public static final Setting<Duration> SHUTDOWN_TIMEOUT =
      Setting.duration("shutdownTimeout", Duration.ZERO, Duration.ofMinutes(1));

  /** All settings, in the order the README's table lists them. */
  public static final List<Setting<?>> ALL =
      List.of(
          MAX_IDLE_AGE, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_HOST, CAP_WAIT, CONNECT_TIMEOUT,
          READ_TIMEOUT, WRITE_TIMEOUT, CALL_TIMEOUT, DNS_TTL, DNS_STALE_IF_ERROR, RETRY_MAX_ATTEMPTS,
          RETRY_INITIAL_BACKOFF, RETRY_MAX_BACKOFF, RETRY_BUDGET_TOKENS, RETRY_BUDGET_TOKEN_RATIO,
          RETRY_STATUSES, RETRY_AFTER_MAX, SHUTDOWN_TIMEOUT);

  private static final Pattern STATUS = Pattern.compile("[0-9]{3}");

  /** An unmodifiable, sorted copy of {@code statuses}. */
  public static SortedSet<Integer> statuses(Set<Integer> statuses) {
    return Collections.unmodifiableSortedSet(new TreeSet<>(statuses));
  }

  private static boolean areRetryableStatuses(Set<Integer> statuses) {
    return statuses.stream().allMatch(s -> s != null && s >= 400 && s <= 599);
  }

  /** {@code none}, or three-digit statuses separated by commas (blanks around each ignored). */
  private static Set<Integer> parseStatuses(String text) {
    String t = text.trim();
    if (t.toLowerCase(Locale.ROOT).equals("none")) {
      return statuses(Set.of());
    }
    TreeSet<Integer> statuses = new TreeSet<>();
    for (String part : t.split(",", -1)) {
      String p = part.trim();
      if (!STATUS.matcher(p).matches()) {
        return null;
      }
      statuses.add(Integer.valueOf(p));
    }
    return Collections.unmodifiableSortedSet(statuses);
  }

  private static String printStatuses(Set<Integer> statuses) {
    return statuses.isEmpty()
        ? "none"
        : new TreeSet<>(statuses).stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
