package dev.fnclients.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fnclients.pool.internal.Durations;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} <-> {1} ms")
  @CsvSource({
    "0s,      0",
    "1ms,     1",
    "250ms,   250",
    "1500ms,  1500",
    "1s,      1000",
    "45s,     45000",
    "90s,     90000",
    "1m,      60000",
    "2m,      120000",
    "90m,     5400000",
    "1h,      3600000",
    "24h,     86400000",
    "48h,     172800000",
  })
  void canonicalTextParsesAndPrintsBackTheSame(String text, long millis) {
    Duration d = Duration.ofMillis(millis);

    assertThat(Durations.parse(text)).isEqualTo(d);
    assertThat(Durations.format(d)).isEqualTo(text);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "PT1M,     1m",
    "pt45s,    45s",
    "PT0.5S,   500ms",
    "PT1H30M,  90m",
    "P1D,      24h",
    "60s,      1m",
    "3600s,    1h",
    "1000ms,   1s",
    "120m,     2h",
    "' 5s ',   5s",
    "5S,       5s",
    "2M,       2m",
    "10MS,     10ms",
    "0ms,      0s",
    "0h,       0s",
  })
  void otherSpellingsParseAndPrintInTheirShortestForm(String text, String canonical) {
    Duration d = Durations.parse(text);

    assertThat(d).isNotNull();
    assertThat(Durations.format(d)).isEqualTo(canonical);
    assertThat(Durations.parse(canonical)).isEqualTo(d);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "",
        " ",
        "abc",
        "10 parsecs",
        "1.5s",
        "5d",
        "5",
        "ms",
        "s",
        "h",
        "P",
        "PT",
        "1h30m",
        "5 min",
        "0x10s",
        "5 s",
        "+5s",
        "\u0668s",
        "\u0665ms",
        "PT\u0665S",
        "5\u00a0s",
        "5sec",
        "1_000ms"
      })
  void textThatIsNotADurationParsesToNullIncludingOtherScriptsDigitsAndInnerBlanks(String text) {
    assertThat(Durations.parse(text)).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"-5s, -5000", "-1ms, -1", "PT-2S, -2000"})
  void negativeDurationsParseSoThatRangeChecksCanNameThem(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
