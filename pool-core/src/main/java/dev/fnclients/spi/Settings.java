package dev.fnclients.spi;

import static dev.fnclients.spi.Setting.DECIMAL;
import static dev.fnclients.spi.Setting.DURATION;
import static dev.fnclients.spi.Setting.HOST_PORT;
import static dev.fnclients.spi.Setting.INTEGER;
import static dev.fnclients.spi.Setting.STATUSES;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every setting FnClients reads from {@code FNCLIENTS_*} environment variables and {@code
 * fnclients.*} system properties, with its default and accepted range: the one place they are
 * declared. {@code FnClientsConfig}'s settings come first; {@code GrpcConfig}'s and {@code
 * PubsubConfig}'s follow, their variables prefixed {@code FNCLIENTS_GRPC_} and {@code
 * FNCLIENTS_PUBSUB_}. Only names and plain values live here, so the core loads no transport.
 */
public final class Settings {
  private Settings() {}

  public static final Setting<Duration> MAX_IDLE_AGE =
      duration("maxIdleAge", Duration.ofMillis(100), Duration.ofHours(1), null, "platform-derived");
  public static final Setting<Integer> MAX_CONNECTIONS =
      integer(null, "maxConnections", 1, 10_000, 64);
  public static final Setting<Integer> MAX_CONNECTIONS_PER_HOST =
      integer(null, "maxConnectionsPerHost", 1, 10_000, 32);
  public static final Setting<Duration> CAP_WAIT =
      duration("capWait", Duration.ZERO, Duration.ofMinutes(10), Duration.ofSeconds(5));
  public static final Setting<Duration> CONNECT_TIMEOUT =
      duration(
          "connectTimeout", Duration.ofMillis(1), Duration.ofMinutes(5), Duration.ofSeconds(5));
  public static final Setting<Duration> READ_TIMEOUT =
      duration("readTimeout", Duration.ofMillis(1), Duration.ofMinutes(10), Duration.ofSeconds(15));
  public static final Setting<Duration> WRITE_TIMEOUT =
      duration(
          "writeTimeout", Duration.ofMillis(1), Duration.ofMinutes(10), Duration.ofSeconds(15));
  public static final Setting<Duration> CALL_TIMEOUT =
      duration("callTimeout", Duration.ofMillis(1), Duration.ofHours(1), Duration.ofSeconds(30));
  public static final Setting<Duration> DNS_TTL =
      duration("dnsTtl", Duration.ZERO, Duration.ofHours(1), Duration.ofSeconds(30));
  public static final Setting<Duration> DNS_STALE_IF_ERROR =
      duration("dnsStaleIfError", Duration.ZERO, Duration.ofHours(24), Duration.ofMinutes(10));
  public static final Setting<Integer> RETRY_MAX_ATTEMPTS =
      integer(null, "retryMaxAttempts", 1, 10, 3);
  public static final Setting<Duration> RETRY_INITIAL_BACKOFF =
      duration(
          "retryInitialBackoff",
          Duration.ofMillis(1),
          Duration.ofSeconds(10),
          Duration.ofMillis(50));
  public static final Setting<Duration> RETRY_MAX_BACKOFF =
      duration(
          "retryMaxBackoff", Duration.ofMillis(1), Duration.ofMinutes(1), Duration.ofSeconds(1));
  public static final Setting<Integer> RETRY_BUDGET_TOKENS =
      integer(null, "retryBudgetTokens", 1, 1000, 10);
  public static final Setting<Double> RETRY_BUDGET_TOKEN_RATIO =
      new Setting<>(null, "retryBudgetTokenRatio", DECIMAL, 0.001, 1.0, 0.1, null);
  public static final Setting<Set<Integer>> RETRY_STATUSES =
      new Setting<>(
          null, "retryStatuses", STATUSES, 400, 599, Set.of(408, 429, 502, 503, 504), null);
  public static final Setting<Duration> RETRY_AFTER_MAX =
      duration("retryAfterMax", Duration.ZERO, Duration.ofMinutes(5), Duration.ofSeconds(10));
  public static final Setting<Duration> SHUTDOWN_TIMEOUT =
      duration("shutdownTimeout", Duration.ZERO, Duration.ofMinutes(1), Duration.ofSeconds(8));

  /** {@code GrpcConfig.maxInFlightCalls}: calls in flight at once on one channel. */
  public static final Setting<Integer> GRPC_MAX_IN_FLIGHT_CALLS =
      integer("grpc", "maxInFlightCalls", 1, 100_000, 100);

  /** {@code GrpcConfig.defaultDeadline}: unset means {@code callTimeout}. */
  public static final Setting<Duration> GRPC_DEFAULT_DEADLINE =
      new Setting<>(
          "grpc",
          "defaultDeadline",
          DURATION,
          Duration.ofMillis(1),
          Duration.ofHours(1),
          null,
          "callTimeout");

  /** {@code GrpcConfig.capWait}: unset means {@code capWait}. */
  public static final Setting<Duration> GRPC_CAP_WAIT =
      new Setting<>(
          "grpc", "capWait", DURATION, Duration.ZERO, Duration.ofMinutes(10), null, "capWait");

  /** {@code PubsubConfig.endpoint}. */
  public static final Setting<String> PUBSUB_ENDPOINT =
      new Setting<>("pubsub", "endpoint", HOST_PORT, null, null, "pubsub.googleapis.com:443", null);

  /**
   * {@code PubsubConfig.publishTimeout}: the client's whole retry budget per message; 10 s is the
   * client's minimum.
   */
  public static final Setting<Duration> PUBSUB_PUBLISH_TIMEOUT =
      new Setting<>(
          "pubsub",
          "publishTimeout",
          DURATION,
          Duration.ofSeconds(10),
          Duration.ofMinutes(10),
          Duration.ofSeconds(20),
          null);

  /** {@code PubsubConfig.flushTimeout}. */
  public static final Setting<Duration> PUBSUB_FLUSH_TIMEOUT =
      new Setting<>(
          "pubsub",
          "flushTimeout",
          DURATION,
          Duration.ofMillis(1),
          Duration.ofMinutes(10),
          Duration.ofSeconds(10),
          null);

  /** {@code FnClientsConfig}'s settings, in the order the README's table lists them. */
  public static final List<Setting<?>> CORE =
      List.of(
          MAX_IDLE_AGE,
          MAX_CONNECTIONS,
          MAX_CONNECTIONS_PER_HOST,
          CAP_WAIT,
          CONNECT_TIMEOUT,
          READ_TIMEOUT,
          WRITE_TIMEOUT,
          CALL_TIMEOUT,
          DNS_TTL,
          DNS_STALE_IF_ERROR,
          RETRY_MAX_ATTEMPTS,
          RETRY_INITIAL_BACKOFF,
          RETRY_MAX_BACKOFF,
          RETRY_BUDGET_TOKENS,
          RETRY_BUDGET_TOKEN_RATIO,
          RETRY_STATUSES,
          RETRY_AFTER_MAX,
          SHUTDOWN_TIMEOUT);

  /** Every setting, in the order the README's table lists them: the core's, then the adapters'. */
  public static final List<Setting<?>> ALL =
      concat(
          CORE,
          List.of(
              GRPC_MAX_IN_FLIGHT_CALLS,
              GRPC_DEFAULT_DEADLINE,
              GRPC_CAP_WAIT,
              PUBSUB_ENDPOINT,
              PUBSUB_PUBLISH_TIMEOUT,
              PUBSUB_FLUSH_TIMEOUT));

  private static List<Setting<?>> concat(List<Setting<?>> first, List<Setting<?>> then) {
    List<Setting<?>> all = new ArrayList<>(first);
    all.addAll(then);
    return List.copyOf(all);
  }

  /**
   * Checks a builder-only {@code host:port} option called {@code name} (an emulator variable, a
   * per-service endpoint) by the same rule and with the same message as the declared settings;
   * returns it trimmed.
   */
  public static String hostPort(String name, String value) {
    return new Setting<String>(null, name, HOST_PORT, null, null, null, null).check(value);
  }

  private static Setting<Duration> duration(
      String name, Duration min, Duration max, Duration defaultValue) {
    return duration(name, min, max, defaultValue, null);
  }

  private static Setting<Duration> duration(
      String name, Duration min, Duration max, Duration defaultValue, String defaultText) {
    return new Setting<>(null, name, DURATION, min, max, defaultValue, defaultText);
  }

  private static Setting<Integer> integer(
      String prefix, String name, int min, int max, int defaultValue) {
    return new Setting<>(prefix, name, INTEGER, min, max, defaultValue, null);
  }
}
