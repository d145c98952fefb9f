package dev.fnclients.pool;

import static dev.fnclients.pool.TestSupport.EMPTY;
import static dev.fnclients.pool.TestSupport.defaults;
import static dev.fnclients.pool.TestSupport.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fnclients.pool.internal.Durations;
import dev.fnclients.spi.Setting;
import dev.fnclients.spi.Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link FnClientsConfig} and the {@link Setting} descriptors it validates through. */
class FnClientsConfigTest {

  /**
   * Every setting with its documented range (as {@link Setting#range()} prints it) and a value just
   * below and just above that range. {@link #tableCoversEverySettingExactlyOnce()} keeps this in
   * step with {@link Settings#ALL}.
   */
  static final List<Row> ROWS =
      List.of(
          new Row(Settings.MAX_IDLE_AGE, "100ms to 1h", "99ms", "3600001ms"),
          new Row(Settings.MAX_CONNECTIONS, "1 to 10000", "0", "10001"),
          new Row(Settings.MAX_CONNECTIONS_PER_HOST, "1 to 10000", "0", "10001"),
          new Row(Settings.CAP_WAIT, "0s to 10m", "-1ms", "601s"),
          new Row(Settings.CONNECT_TIMEOUT, "1ms to 5m", "0ms", "301s"),
          new Row(Settings.READ_TIMEOUT, "1ms to 10m", "0s", "600001ms"),
          new Row(Settings.WRITE_TIMEOUT, "1ms to 10m", "0ms", "11m"),
          new Row(Settings.CALL_TIMEOUT, "1ms to 1h", "0ms", "61m"),
          new Row(Settings.DNS_TTL, "0s to 1h", "-1s", "3601s"),
          new Row(Settings.DNS_STALE_IF_ERROR, "0s to 24h", "-1ms", "25h"),
          new Row(Settings.RETRY_MAX_ATTEMPTS, "1 to 10", "0", "11"),
          new Row(Settings.RETRY_INITIAL_BACKOFF, "1ms to 10s", "0ms", "10001ms"),
          new Row(Settings.RETRY_MAX_BACKOFF, "1ms to 1m", "0ms", "60001ms"),
          new Row(Settings.RETRY_BUDGET_TOKENS, "1 to 1000", "0", "1001"),
          new Row(Settings.RETRY_BUDGET_TOKEN_RATIO, "0.001 to 1.0", "0.0009", "1.001"),
          new Row(
              Settings.RETRY_STATUSES,
              "none, or statuses 400 to 599 separated by commas",
              "399",
              "429,600",
              "none",
              "400,599"),
          new Row(Settings.RETRY_AFTER_MAX, "0s to 5m", "-1ms", "301s"),
          new Row(Settings.SHUTDOWN_TIMEOUT, "0s to 1m", "-1ms", "61s"));

  /** A setting, its range as printed, values just outside it, and its two ends as written. */
  record Row(
      Setting<?> setting, String range, String tooLow, String tooHigh, String min, String max) {
    Row(Setting<?> setting, String range, String tooLow, String tooHigh) {
      this(setting, range, tooLow, tooHigh, range.split(" to ")[0], range.split(" to ")[1]);
    }

    @Override
    public String toString() {
      return setting.name();
    }
  }

  static Stream<Arguments> outOfRangeValues() {
    return ROWS.stream()
        .flatMap(r -> Stream.of(Arguments.of(r, r.tooLow()), Arguments.of(r, r.tooHigh())));
  }

  static Stream<Arguments> boundaryValues() {
    return ROWS.stream()
        .flatMap(r -> Stream.of(Arguments.of(r, r.min()), Arguments.of(r, r.max())));
  }

  static Stream<Row> rows() {
    return ROWS.stream();
  }

  // ---- reflection over the builder and getters, so that every setting is covered the same way
  // ----

  private static Method setter(Setting<?> setting) {
    return Arrays.stream(FnClientsConfig.Builder.class.getMethods())
        .filter(m -> m.getName().equals(setting.name()) && m.getParameterCount() == 1)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no builder setter for " + setting.name()));
  }

  private static Object getter(FnClientsConfig config, String name) {
    try {
      return FnClientsConfig.class.getMethod(name).invoke(config);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("no getter " + name, e);
    }
  }

  /** Parses {@code text} into the type the setting's builder setter takes. */
  private static Object typed(Setting<?> setting, String text) {
    Class<?> type = setter(setting).getParameterTypes()[0];
    if (type == Duration.class) {
      return Durations.parse(text);
    }
    if (type == int.class) {
      return Integer.parseInt(text);
    }
    if (type == double.class) {
      return Double.parseDouble(text);
    }
    if (type == Set.class) {
      return setting.parse(text);
    }
    throw new AssertionError("unexpected type " + type);
  }

  private static void set(FnClientsConfig.Builder builder, Setting<?> setting, Object value)
      throws Throwable {
    try {
      setter(setting).invoke(builder, value);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static <T> String readAndPrint(Setting<T> setting, Environment env) {
    T value = setting.read(env);
    return value == null ? null : setting.print(value);
  }

  // ---- the table itself ----

  @Test
  void tableCoversEverySettingExactlyOnce() {
    assertThat(ROWS.stream().map(Row::setting).collect(Collectors.toList()))
        .containsExactlyInAnyOrderElementsOf(Settings.CORE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void settingPrintsItsDocumentedRange(Row row) {
    assertThat(row.setting().range()).isEqualTo(row.range());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void settingNamesItsEnvironmentVariableAndSystemPropertyFromItsCamelCaseName(Row row) {
    String snake = row.setting().name().replaceAll("([A-Z])", "_$1");
    assertThat(row.setting().envVar()).isEqualTo("FNCLIENTS_" + snake.toUpperCase());
    assertThat(row.setting().property())
        .isEqualTo("fnclients." + snake.replace('_', '-').toLowerCase());
  }

  @Test
  void settingDerivesConventionalVariableNames() {
    assertThat(Settings.MAX_CONNECTIONS_PER_HOST.envVar())
        .isEqualTo("FNCLIENTS_MAX_CONNECTIONS_PER_HOST");
    assertThat(Settings.MAX_CONNECTIONS_PER_HOST.property())
        .isEqualTo("fnclients.max-connections-per-host");
    assertThat(Settings.DNS_TTL.envVar()).isEqualTo("FNCLIENTS_DNS_TTL");
    assertThat(Settings.MAX_IDLE_AGE.property()).isEqualTo("fnclients.max-idle-age");
  }

  // ---- validation of environment variables and system properties ----

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("outOfRangeValues")
  void outOfRangeSystemPropertyIsRejectedNamingThePropertyAndTheRange(Row row, String value) {
    Setting<?> setting = row.setting();
    Environment environment = Environment.of(Map.of(), Map.of(setting.property(), value));

    Throwable thrown = catchThrowable(() -> FnClientsConfig.custom(environment));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    InvalidConfigurationException e = (InvalidConfigurationException) thrown;
    assertThat(e.setting()).isEqualTo(setting.name());
    assertThat(e.getMessage())
        .contains(setting.property())
        .contains(setting.range())
        .contains(value);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("outOfRangeValues")
  void outOfRangeEnvironmentVariableIsRejectedNamingTheVariableAndTheRange(Row row, String value) {
    Setting<?> setting = row.setting();

    Throwable thrown =
        catchThrowable(() -> FnClientsConfig.custom(env(Map.of(setting.envVar(), value))));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    InvalidConfigurationException e = (InvalidConfigurationException) thrown;
    assertThat(e.setting()).isEqualTo(setting.name());
    assertThat(e.getMessage()).contains(setting.envVar()).contains(setting.range()).contains(value);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("boundaryValues")
  void bothEndsOfTheRangeAreAcceptedFromTheEnvironmentAndReachTheConfig(Row row, String value) {
    Setting<?> setting = row.setting();
    Environment environment = env(Map.of(setting.envVar(), value));

    assertThat(readAndPrint(setting, environment)).isEqualTo(value);
    FnClientsConfig config = FnClientsConfig.custom(environment).build();
    assertThat(getter(config, setting.name())).isEqualTo(typed(setting, value));
  }

  static Stream<Arguments> unparseableValues() {
    return ROWS.stream()
        .flatMap(
            r -> {
              Class<?> type = setter(r.setting()).getParameterTypes()[0];
              List<String> bad =
                  type == Duration.class
                      ? List.of("abc", "10 parsecs", "5d", "1.5s", "5 s", "+5s", "\u0668s")
                      : type == int.class
                          ? List.of("1.5", "abc", "5s", "\u0668", "+8", "8L", "0x8", "\uff18")
                          : type == Set.class
                              ? List.of(
                                  "abc",
                                  "429;503",
                                  "429,,503",
                                  "429,",
                                  "4290",
                                  "42",
                                  "\u0664\u0662\u0669",
                                  "none,429",
                                  "+429",
                                  "all")
                              : List.of(
                                  "abc",
                                  "NaN",
                                  "Infinity",
                                  "0.5d",
                                  "0.5f",
                                  "1e-1",
                                  ".5",
                                  "0,5",
                                  "\u0660.5");
              return bad.stream().map(v -> Arguments.of(r, v));
            });
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("unparseableValues")
  void unparseableEnvironmentVariableIsRejectedNamingTheVariable(Row row, String value) {
    Setting<?> setting = row.setting();

    Throwable thrown =
        catchThrowable(() -> FnClientsConfig.custom(env(Map.of(setting.envVar(), value))));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    InvalidConfigurationException e = (InvalidConfigurationException) thrown;
    assertThat(e.setting()).isEqualTo(setting.name());
    assertThat(e.getMessage()).contains(setting.envVar()).contains(value).contains(setting.range());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("unparseableValues")
  void unparseableSystemPropertyIsRejectedNamingTheProperty(Row row, String value) {
    Setting<?> setting = row.setting();

    Throwable thrown =
        catchThrowable(
            () ->
                FnClientsConfig.custom(
                    Environment.of(Map.of(), Map.of(setting.property(), value))));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    assertThat(((InvalidConfigurationException) thrown).setting()).isEqualTo(setting.name());
    assertThat(thrown.getMessage()).contains(setting.property()).contains(value);
  }

  @Test
  void invalidSystemPropertyIsReportedEvenWhenTheEnvironmentVariableIsValid() {
    Environment environment =
        Environment.of(
            Map.of("FNCLIENTS_MAX_CONNECTIONS", "10"), Map.of("fnclients.max-connections", "lots"));

    assertThatThrownBy(() -> FnClientsConfig.custom(environment))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("fnclients.max-connections");
  }

  static Stream<Arguments> blankValues() {
    return ROWS.stream().flatMap(r -> Stream.of("", " ", "\t").map(v -> Arguments.of(r, v)));
  }

  @ParameterizedTest(name = "{0} = ''{1}''")
  @MethodSource("blankValues")
  void emptyOrBlankEnvironmentVariableIsRejectedNamingTheVariableAndTheRange(
      Row row, String value) {
    Setting<?> setting = row.setting();

    Throwable thrown =
        catchThrowable(() -> FnClientsConfig.custom(env(Map.of(setting.envVar(), value))));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    InvalidConfigurationException e = (InvalidConfigurationException) thrown;
    assertThat(e.setting()).isEqualTo(setting.name());
    assertThat(e.getMessage())
        .contains(setting.envVar())
        .contains("empty")
        .contains(setting.range());
  }

  @ParameterizedTest(name = "{0} = ''{1}''")
  @MethodSource("blankValues")
  void emptyOrBlankSystemPropertyIsRejectedEvenWhenTheEnvironmentVariableIsValid(
      Row row, String value) {
    Setting<?> setting = row.setting();
    Environment environment =
        Environment.of(Map.of(setting.envVar(), row.max()), Map.of(setting.property(), value));

    Throwable thrown = catchThrowable(() -> FnClientsConfig.custom(environment));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    assertThat(((InvalidConfigurationException) thrown).setting()).isEqualTo(setting.name());
    assertThat(thrown.getMessage())
        .contains(setting.property())
        .contains("empty")
        .contains(setting.range());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"' 8 ', 8", "'\t12', 12", "007, 7"})
  void wholeNumbersAreAsciiDigitsWithBlanksAroundIgnored(String text, int expected) {
    FnClientsConfig config =
        FnClientsConfig.custom(env(Map.of("FNCLIENTS_MAX_CONNECTIONS", text))).build();

    assertThat(config.maxConnections()).isEqualTo(expected);
  }

  @Test
  void wholeNumberTooLargeForAnIntIsOutOfRangeRatherThanUnreadable() {
    assertThatThrownBy(
            () ->
                FnClientsConfig.custom(
                    env(Map.of("FNCLIENTS_MAX_CONNECTIONS", "99999999999999999999"))))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("out of range")
        .hasMessageContaining("1 to 10000");
  }

  @Test
  void overflowingDurationInAnEnvironmentVariableIsRejectedNamingTheVariable() {
    Throwable thrown =
        catchThrowable(
            () ->
                FnClientsConfig.custom(env(Map.of("FNCLIENTS_MAX_IDLE_AGE", "9999999999999999h"))));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    assertThat(thrown.getMessage()).contains("FNCLIENTS_MAX_IDLE_AGE").contains("100ms to 1h");
  }

  // ---- validation of builder setters ----

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("outOfRangeValues")
  void builderSetterRejectsOutOfRangeValueNamingTheSettingAndTheRange(Row row, String value) {
    Setting<?> setting = row.setting();
    Object typedValue = typed(setting, value);
    FnClientsConfig.Builder builder = defaults();

    Throwable thrown = catchThrowable(() -> set(builder, setting, typedValue));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    InvalidConfigurationException e = (InvalidConfigurationException) thrown;
    assertThat(e.setting()).isEqualTo(setting.name());
    assertThat(e.getMessage()).contains(setting.name()).contains(setting.range());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("boundaryValues")
  void builderSetterAcceptsBothEndsOfTheRange(Row row, String value) throws Throwable {
    Object typedValue = typed(row.setting(), value);
    FnClientsConfig.Builder builder = defaults();

    set(builder, row.setting(), typedValue);

    assertThat(getter(builder.build(), row.setting().name())).isEqualTo(typedValue);
  }

  @Test
  void nullDurationIsRejectedNamingTheSetting() {
    assertThatThrownBy(() -> defaults().connectTimeout(null))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("connectTimeout")
        .hasMessageContaining("1ms to 5m");
  }

  @Test
  void nanRatioIsRejected() {
    assertThatThrownBy(() -> defaults().retryBudgetTokenRatio(Double.NaN))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("retryBudgetTokenRatio");
  }

  @Test
  void builderRejectsAForeverDurationWithInvalidConfigurationException() {
    Throwable thrown =
        catchThrowable(() -> defaults().maxIdleAge(ChronoUnit.FOREVER.getDuration()));

    assertThat(thrown).isInstanceOf(InvalidConfigurationException.class);
    assertThat(thrown.getMessage()).contains("maxIdleAge").contains("100ms to 1h");
  }

  // ---- precedence ----

  @ParameterizedTest(name = "{0}: property={1} env={2} builder={3} -> {4}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "maxConnections  | 10   | 20   | -   | 10",
        "maxConnections  | -    | 20   | -   | 20",
        "maxConnections  | -    | -    | -   | 64",
        "maxConnections  | 10   | 20   | 5   | 5",
        "maxConnections  | -    | -    | 5   | 5",
        "connectTimeout  | 2s   | 3s   | -   | 2s",
        "connectTimeout  | -    | 3s   | -   | 3s",
        "connectTimeout  | -    | -    | -   | 5s",
        "connectTimeout  | 2s   | 3s   | 1s  | 1s",
        "retryBudgetTokenRatio | 0.5 | 0.25 | -   | 0.5",
        "retryBudgetTokenRatio | -   | 0.25 | -   | 0.25",
        "retryBudgetTokenRatio | 0.5 | 0.25 | 0.2 | 0.2",
      })
  void systemPropertyBeatsEnvironmentVariableWhichBeatsTheDefaultAndABuilderSetterBeatsBoth(
      String name, String property, String envVar, String builderValue, String expected)
      throws Throwable {
    Setting<?> setting =
        Settings.CORE.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    Map<String, String> envs = new HashMap<>();
    Map<String, String> props = new HashMap<>();
    if (envVar != null) {
      envs.put(setting.envVar(), envVar);
    }
    if (property != null) {
      props.put(setting.property(), property);
    }
    FnClientsConfig.Builder builder = FnClientsConfig.custom(Environment.of(envs, props));
    if (builderValue != null) {
      set(builder, setting, typed(setting, builderValue));
    }

    assertThat(getter(builder.build(), name)).isEqualTo(typed(setting, expected));
  }

  @ParameterizedTest(name = "{0} -> {1} ms")
  @CsvSource({
    "500ms, 500",
    "45s, 45000",
    "2m, 120000",
    "1h, 3600000",
    "PT1M, 60000",
    "pt1m30s, 90000",
    "' 7s ', 7000",
    "3S, 3000"
  })
  void durationFormatsParse(String text, long expectedMillis) {
    FnClientsConfig config =
        FnClientsConfig.custom(env(Map.of("FNCLIENTS_CALL_TIMEOUT", text))).build();

    assertThat(config.callTimeout()).isEqualTo(Duration.ofMillis(expectedMillis));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "429,503         | 429,503",
        "' 503 , 429 '   | 429,503",
        "503,503         | 503",
        "NONE            | none",
        "none            | none",
      })
  void retryStatusesAreAListOfStatusesOrNone(String text, String printed) {
    FnClientsConfig config =
        FnClientsConfig.custom(env(Map.of("FNCLIENTS_RETRY_STATUSES", text))).build();

    assertThat(Settings.RETRY_STATUSES.print(config.retryStatuses())).isEqualTo(printed);
  }

  @Test
  void emptyRetryStatusesSwitchStatusRetriesOff() {
    FnClientsConfig config = defaults().retryStatuses(Set.of()).build();

    assertThat(config.retryStatuses()).isEmpty();
    assertThat(config.toString()).contains("retryStatuses=none");
  }

  @Test
  void badRetryStatusNamesTheSettingAndTheAcceptedValues() {
    assertThatThrownBy(() -> defaults().retryStatuses(Set.of(503, 200)))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("retryStatuses")
        .hasMessageContaining("400 to 599");
    assertThatThrownBy(
            () -> FnClientsConfig.custom(env(Map.of("FNCLIENTS_RETRY_STATUSES", "429,5xx"))))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("FNCLIENTS_RETRY_STATUSES")
        .hasMessageContaining("none, or statuses 400 to 599");
  }

  @Test
  void retryStatusesAreCopiedSoTheCallersSetCannotChangeThem() {
    java.util.HashSet<Integer> mine = new java.util.HashSet<>(Set.of(503));
    FnClientsConfig config = defaults().retryStatuses(mine).build();
    mine.add(500);

    assertThat(config.retryStatuses()).containsExactly(503);
    assertThatThrownBy(() -> config.retryStatuses().add(500))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- derived values ----

  @ParameterizedTest(name = "max={0} perHost={1} -> {2}")
  @CsvSource({"64, 32, 32", "10, 32, 10", "5, 5, 5", "1, 10000, 1", "10000, 1, 1"})
  void effectiveMaxConnectionsPerHostIsClampedToMaxConnections(int max, int perHost, int expected) {
    FnClientsConfig config = defaults().maxConnections(max).maxConnectionsPerHost(perHost).build();

    assertThat(config.effectiveMaxConnectionsPerHost()).isEqualTo(expected);
    assertThat(config.maxConnectionsPerHost()).as("the raw setting is kept").isEqualTo(perHost);
  }

  @ParameterizedTest(name = "initial={0} max={1} -> {2}")
  @CsvSource({"50ms, 1s, 1s", "2s, 1s, 2s", "1s, 1s, 1s", "10s, 1ms, 10s", "1ms, 1m, 1m"})
  void effectiveRetryMaxBackoffIsNeverBelowTheInitialBackoff(
      String initial, String max, String expected) {
    FnClientsConfig config =
        defaults()
            .retryInitialBackoff(Durations.parse(initial))
            .retryMaxBackoff(Durations.parse(max))
            .build();

    assertThat(config.effectiveRetryMaxBackoff()).isEqualTo(Durations.parse(expected));
  }

  // ---- defaults, copies, platform ----

  @Test
  void emptyEnvironmentGivesTheDocumentedDefaults() {
    FnClientsConfig c = FnClientsConfig.custom(EMPTY).build();

    assertThat(c.platform()).isEqualTo(Platform.OTHER);
    assertThat(c.maxIdleAge()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.maxConnections()).isEqualTo(64);
    assertThat(c.maxConnectionsPerHost()).isEqualTo(32);
    assertThat(c.capWait()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.dnsTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.dnsStaleIfError()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.retryMaxAttempts()).isEqualTo(3);
    assertThat(c.retryInitialBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.retryMaxBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.retryBudgetTokens()).isEqualTo(10);
    assertThat(c.retryBudgetTokenRatio()).isEqualTo(0.1);
    assertThat(c.retryStatuses()).containsExactly(408, 429, 502, 503, 504);
    assertThat(c.retryAfterMax()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(8));
    assertThat(c.ticker()).isSameAs(Ticker.systemTicker());
  }

  @Test
  void fromCopiesEverySettingAndLeavesTheBaseUntouched() throws Throwable {
    ManualTicker ticker = new ManualTicker();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FnClientsConfig.Builder b =
        FnClientsConfig.custom(EMPTY)
            .platform(Platform.CLOUD_RUN)
            .ticker(ticker)
            .meterRegistry(meters);
    // A non-default value for every setting: the top of each range.
    for (Row row : ROWS) {
      set(b, row.setting(), typed(row.setting(), row.max()));
    }
    FnClientsConfig base = b.build();

    FnClientsConfig copy = FnClientsConfig.from(base).build();

    assertThat(copy.platform()).isEqualTo(Platform.CLOUD_RUN);
    assertThat(copy.ticker()).isSameAs(ticker);
    assertThat(copy.meterRegistry()).containsSame(meters);
    for (Row row : ROWS) {
      assertThat(getter(copy, row.setting().name()))
          .as(row.setting().name())
          .isEqualTo(typed(row.setting(), row.max()));
    }
    assertThat(copy).hasToString(base.toString());

    FnClientsConfig changed = FnClientsConfig.from(base).maxConnections(7).build();
    assertThat(changed.maxConnections()).isEqualTo(7);
    assertThat(base.maxConnections()).isEqualTo(10_000);
  }

  static Stream<Arguments> platformEnvironments() {
    return Stream.of(
        Arguments.of(Map.of(), Platform.OTHER, Duration.ofSeconds(45)),
        Arguments.of(
            Map.of("FUNCTION_TARGET", "fn", "K_SERVICE", "fn"),
            Platform.CLOUD_FUNCTIONS_GEN1,
            Duration.ofSeconds(90)),
        Arguments.of(
            Map.of("FUNCTION_TARGET", "fn", "K_SERVICE", "fn", "K_CONFIGURATION", "fn"),
            Platform.CLOUD_RUN_FUNCTIONS,
            Duration.ofSeconds(450)),
        Arguments.of(
            Map.of("K_SERVICE", "svc", "K_REVISION", "svc-1", "K_CONFIGURATION", "svc"),
            Platform.CLOUD_RUN,
            Duration.ofSeconds(450)));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("platformEnvironments")
  void customPicksTheDetectedPlatformsDefaultMaxIdleAge(
      Map<String, String> vars, Platform platform, Duration idle) {
    FnClientsConfig config = FnClientsConfig.custom(env(vars)).build();

    assertThat(config.platform()).isEqualTo(platform);
    assertThat(config.maxIdleAge()).isEqualTo(idle);
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("platformEnvironments")
  void explicitMaxIdleAgeVariableOverridesThePlatformDefault(
      Map<String, String> vars, Platform platform, Duration idle) {
    Map<String, String> withOverride = new HashMap<>(vars);
    withOverride.put("FNCLIENTS_MAX_IDLE_AGE", "20s");

    FnClientsConfig config = FnClientsConfig.custom(env(withOverride)).build();

    assertThat(config.platform()).isEqualTo(platform);
    assertThat(config.maxIdleAge()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void platformSetterResetsMaxIdleAgeToThatPlatformsDefaultUnlessMaxIdleAgeIsSetAfterIt() {
    FnClientsConfig.Builder fromEnv =
        FnClientsConfig.custom(env(Map.of("FNCLIENTS_MAX_IDLE_AGE", "20s")));

    assertThat(fromEnv.platform(Platform.CLOUD_FUNCTIONS_GEN1).build().maxIdleAge())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(fromEnv.maxIdleAge(Duration.ofSeconds(30)).build().maxIdleAge())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(fromEnv.build().platform()).isEqualTo(Platform.CLOUD_FUNCTIONS_GEN1);
  }

  @Test
  void toStringPrintsEveryDurationInItsShortForm() {
    String s = defaults().build().toString();

    assertThat(s)
        .contains(
            "maxIdleAge=45s", "dnsStaleIfError=10m", "retryInitialBackoff=50ms", "platform=OTHER");
  }
}
