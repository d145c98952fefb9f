package dev.fnclients.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fnclients.pool.Environment;
import dev.fnclients.pool.InvalidConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code FNCLIENTS_GRPC_*} variables and {@code fnclients.grpc-*} properties, read as FnClientsConfig's are. */
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
        Environment.of(Map.of("FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS", "20"), Map.of("fnclients.grpc-max-in-flight-calls", "10"));

    assertThat(GrpcConfig.custom(environment).build().maxInFlightCalls()).isEqualTo(10);
    assertThat(GrpcConfig.custom(environment).maxInFlightCalls(5).build().maxInFlightCalls()).isEqualTo(5);
  }

  @ParameterizedTest(name = "{0}=''{1}''")
  @CsvSource({
    "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS, '', 1 to 100000, empty",
    "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS, ' ', 1 to 100000, empty",
    "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS, 0, 1 to 100000, out of range",
    "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS, 100001, 1 to 100000, out of range",
    "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS, \u0668, 1 to 100000, is not",
    "FNCLIENTS_GRPC_MAX_IN_FLIGHT_CALLS, 8L, 1 to 100000, is not",
    "FNCLIENTS_GRPC_DEFAULT_DEADLINE, 0ms, 1ms to 1h, out of range",
    "FNCLIENTS_GRPC_DEFAULT_DEADLINE, '\t', 1ms to 1h, empty",
    "FNCLIENTS_GRPC_DEFAULT_DEADLINE, \u0668s, 1ms to 1h, is not",
    "FNCLIENTS_GRPC_CAP_WAIT, 11m, 0s to 10m, out of range",
    "FNCLIENTS_GRPC_CAP_WAIT, 5 s, 0s to 10m, is not",
  })
  void badValuesAreRejectedNamingTheVariableAndTheRange(String variable, String value, String range, String why) {
    InvalidConfigurationException e =
        catchThrowableOfType(() -> GrpcConfig.custom(env(variable, value)), InvalidConfigurationException.class);

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains(variable).contains(range).contains(why);
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

    assertThat(GrpcConfig.custom(environment).build()).isEqualTo(GrpcConfig.custom(environment).build());
    assertThat(GrpcConfig.custom(environment).build()).isNotEqualTo(GrpcConfig.custom(EMPTY).build());
  }
}
