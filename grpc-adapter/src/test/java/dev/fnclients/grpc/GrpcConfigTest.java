package dev.fnclients.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code FNCLIENTS_GRPC_*} variables and {@code fnclients.grpc-*} properties, read as
 * FnClientsConfig's are.
 */
class GrpcConfigTest {
  private static final Environment EMPTY = Environment.of(Map.of(), Map.of());

  private static Environment env(String name, String value) {
    return Environment.of(Map.of(name, value), Map.of());
  }

  @Test
  void unsetVariablesGiveTheDocumentedDefaults() {
    GrpcConfig c = GrpcConfig.custom(EMPTY).build();

    assertThat(c.maxInFlightCalls()).isEqualTo(100);
    assertThat(c.defaultDeadline()).as("callTimeout decides").isNull();
    assertThat(c.capWait()).as("capWait decides").isNull();
    assertThat(c.plaintext()).isFalse();
  }

  @Test
  void variablesSetTheInstanceWideOptions() {
    Environment environment =
        Environment.of(
            Map.of(
                "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS", "250",
                "FNCLIENTS_GRPC_DEFAULT_DEADLINE", "2s",
                "FNCLIENTS_GRPC_CAP_WAIT", "0ms"),
            Map.of());

    GrpcConfig c = GrpcConfig.custom(environment).build();

    assertThat(c.maxInFlightCalls()).isEqualTo(250);
    assertThat(c.defaultDeadline()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.capWait()).isEqualTo(Duration.ZERO);
  }

  @Test
  void propertyBeatsVariableAndBuilderBeatsBoth() {
    Environment environment =
        Environment.of(
            Map.of("FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS", "20"),
            Map.of("fnclients.grpc-max-in-flight-calls", "10"));

    assertThat(GrpcConfig.custom(environment).build().maxInFlightCalls()).isEqualTo(10);
    assertThat(GrpcConfig.custom(environment).maxInFlightCalls(5).build().maxInFlightCalls())
        .isEqualTo(5);
  }

  /**
   * One bad value is enough here: {@code SettingsTest} checks every setting's parser and messages.
   */
  @Test
  void aBadVariableFailsTheBuilderNamingTheVariableAndTheRange() {
    assertThatThrownBy(() -> GrpcConfig.custom(env("FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS", "\u0668")))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS")
        .hasMessageContaining("1 to 100000");
  }

  @Test
  void builderSettersUseTheSameRangesAndMessages() {
    assertThatThrownBy(() -> GrpcConfig.custom(EMPTY).maxInFlightCalls(0))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage("maxInFlightCalls must be between 1 to 100000, was 0");
    assertThatThrownBy(() -> GrpcConfig.custom(EMPTY).defaultDeadline(Duration.ofHours(2)))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage("defaultDeadline must be between 1ms to 1h, was 2h");
  }

  @Test
  void equalOptionsFromTheSameEnvironmentAreOneKey() {
    Environment environment = env("FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS", "7");

    assertThat(GrpcConfig.custom(environment).build())
        .isEqualTo(GrpcConfig.custom(environment).build());
    assertThat(GrpcConfig.custom(environment).build())
        .isNotEqualTo(GrpcConfig.custom(EMPTY).build());
  }
}
