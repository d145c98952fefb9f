package dev.fnclients.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adapters' settings ({@code GrpcConfig}, {@code PubsubConfig}) read as strictly as {@code
 * FnClientsConfig}'s, which {@code FnClientsConfigTest} covers one by one: empty and blank values,
 * other scripts' digits, suffixes and out-of-range values fail naming the variable (or property)
 * and the accepted range.
 */
class SettingsTest {

  static Stream<Arguments> adapterSettingsWithBadValues() {
    return Settings.ALL.stream()
        .filter(s -> !Settings.CORE.contains(s))
        .flatMap(
            s ->
                Stream.of("", " ", "\t", "\u0668", "8L", "5 s", "-1", "99999999999h")
                    .map(v -> Arguments.of(s, v)));
  }

  @ParameterizedTest(name = "{0}=''{1}''")
  @MethodSource("adapterSettingsWithBadValues")
  void badVariablesAndPropertiesAreRejectedNamingTheSourceAndTheRange(
      Setting<?> setting, String value) {
    for (Environment env :
        new Environment[] {
          Environment.of(Map.of(setting.envVar(), value), Map.of()),
          Environment.of(Map.of(), Map.of(setting.property(), value))
        }) {
      InvalidConfigurationException e =
          catchThrowableOfType(() -> setting.read(env), InvalidConfigurationException.class);

      assertThat(e).as(setting.envVar() + "=" + value).isNotNull();
      assertThat(e.setting()).isEqualTo(setting.name());
      assertThat(e.getMessage())
          .contains(setting.range())
          .containsAnyOf(setting.envVar(), setting.property());
      if (value.isBlank()) {
        assertThat(e.getMessage()).contains("empty");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "localhost:8085, true",
    "' 10.0.0.1:443 ', true",
    "[::1]:8085, true",
    "pubsub.googleapis.com:443, true",
    "pubsub.googleapis.com, false",
    "https://pubsub.googleapis.com:443, false",
    "host:\u0664\u0664\u0663, false",
    "host:123456, false",
    "host:-1, false",
    ":443, false",
    "[zz]:1, false",
    "a b:1, false",
    "host:, false",
  })
  void hostPortAcceptsHostAndPortOnly(String text, boolean accepted) {
    Environment env = Environment.of(Map.of("FNCLIENTS_PUBSUB_ENDPOINT", text), Map.of());

    if (accepted) {
      assertThat(Settings.PUBSUB_ENDPOINT.read(env)).isEqualTo(text.trim());
    } else {
      assertThat(
              catchThrowableOfType(
                  () -> Settings.PUBSUB_ENDPOINT.read(env), InvalidConfigurationException.class))
          .hasMessageContaining("FNCLIENTS_PUBSUB_ENDPOINT")
          .hasMessageContaining("host:port");
    }
  }
}
