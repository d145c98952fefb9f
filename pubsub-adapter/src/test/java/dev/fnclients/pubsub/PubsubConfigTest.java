package dev.fnclients.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import dev.fnclients.spi.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code FNCLIENTS_PUBSUB_*} variables and {@code fnclients.pubsub-*} properties, read as
 * FnClientsConfig's are.
 */
class PubsubConfigTest {
  private static final Environment EMPTY = Environment.of(Map.of(), Map.of());

  private static Environment env(String name, String value) {
    return Environment.of(Map.of(name, value), Map.of());
  }

  @Test
  void unsetVariablesGiveTheDocumentedDefaults() {
    PubsubConfig c = PubsubConfig.custom(EMPTY).build();

    assertThat(c.endpoint())
        .isEqualTo(PubsubConfig.DEFAULT_ENDPOINT)
        .isEqualTo(Settings.PUBSUB_ENDPOINT.defaultValue());
    assertThat(c.target()).isEqualTo("pubsub.googleapis.com:443");
    assertThat(c.usesEmulator()).isFalse();
    assertThat(c.publishTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.flushTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void variablesSetTheInstanceWideOptionsAndTheEmulatorStillWins() {
    Environment environment =
        Environment.of(
            Map.of(
                "FNCLIENTS_PUBSUB_ENDPOINT", " europe-west1-pubsub.googleapis.com:443 ",
                "FNCLIENTS_PUBSUB_PUBLISH_TIMEOUT", "1m",
                "FNCLIENTS_PUBSUB_FLUSH_TIMEOUT", "500ms"),
            Map.of());

    PubsubConfig c = PubsubConfig.custom(environment).build();

    assertThat(c.endpoint()).isEqualTo("europe-west1-pubsub.googleapis.com:443");
    assertThat(c.publishTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.flushTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(PubsubConfig.from(c).emulatorHost("localhost:8085").build().target())
        .isEqualTo("localhost:8085");
  }

  @Test
  void propertyBeatsVariableAndBuilderBeatsBoth() {
    Environment environment =
        Environment.of(
            Map.of("FNCLIENTS_PUBSUB_FLUSH_TIMEOUT", "2s"),
            Map.of("fnclients.pubsub-flush-timeout", "3s"));

    assertThat(PubsubConfig.custom(environment).build().flushTimeout())
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(
            PubsubConfig.custom(environment)
                .flushTimeout(Duration.ofSeconds(1))
                .build()
                .flushTimeout())
        .isEqualTo(Duration.ofSeconds(1));
  }

  /**
   * One bad value is enough here: {@code SettingsTest} checks every setting's parser and messages.
   */
  @Test
  void aBadVariableFailsTheBuilderNamingTheVariableAndTheRange() {
    assertThatThrownBy(() -> PubsubConfig.custom(env("FNCLIENTS_PUBSUB_FLUSH_TIMEOUT", " ")))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("FNCLIENTS_PUBSUB_FLUSH_TIMEOUT")
        .hasMessageContaining("1ms to 10m");
  }

  @Test
  void builderSettersUseTheSameRangesAndMessages() {
    assertThatThrownBy(() -> PubsubConfig.custom(EMPTY).publishTimeout(Duration.ofSeconds(5)))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage("publishTimeout must be between 10s to 10m, was 5s");
    assertThatThrownBy(() -> PubsubConfig.custom(EMPTY).emulatorHost("http://localhost:8085"))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage(
            "PUBSUB_EMULATOR_HOST must be host:port, e.g. localhost:8085, was 'http://localhost:8085'");
  }
}
